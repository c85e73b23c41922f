from __future__ import annotations

from tests.authz import Expect, by_role

MATRIX: dict[str, Expect] = {
    "GET /api/v1/commitments": by_role("viewer"),
    "GET /api/v1/commitments/summary": by_role("viewer"),
}
