"""The authorization matrix framework: every API route × every kind of caller → the expected HTTP status.

Each app lists its routes in ``tests/<app>/authz.py`` as ``MATRIX = {"METHOD /api/v1/path/{param}": Expect(...)}``
and may define ``build(world)`` to create the objects those routes need (ids go into ``world.ids`` and fill the path
parameters). ``tests/test_authz_matrix.py`` enumerates the OpenAPI schema, so a route without an entry fails.

Callers: anonymous; viewer, member, admin and owner of the home organization; ``other_tenant``, the owner of another
organization of the same kind (acting for their own organization on the home organization's object ids); and
``operator``, the owner of the operator organization.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from accord.accounts.models import Organization, Role, User

PRINCIPALS = ("anonymous", "viewer", "member", "admin", "owner", "other_tenant", "operator")
ROLE_PRINCIPALS = ("viewer", "member", "admin", "owner")
_RANK = {r: i for i, r in enumerate(ROLE_PRINCIPALS)}

Body = dict[str, Any] | list[Any] | Callable[["World", str], Any] | None


@dataclass
class World:
    """Brand and creator organizations with a member of every role, a rival of each, and an operator."""

    brand: Organization
    brand_users: dict[str, User]
    rival_brand: Organization
    rival_brand_owner: User
    creator: Organization
    creator_users: dict[str, User]
    rival_creator: Organization
    rival_creator_owner: User
    operator_org: Organization
    operator: User
    ids: dict[str, Any] = field(default_factory=dict)

    def home(self, side: str) -> tuple[Organization, dict[str, User], Organization, User]:
        if side == "creator":
            return self.creator, self.creator_users, self.rival_creator, self.rival_creator_owner
        return self.brand, self.brand_users, self.rival_brand, self.rival_brand_owner

    def user_for(self, principal: str, side: str) -> tuple[User | None, Organization | None]:
        home, users, rival, rival_owner = self.home(side)
        if principal == "anonymous":
            return None, None
        if principal == "other_tenant":
            return rival_owner, rival
        if principal == "operator":
            return self.operator, self.operator_org
        return users[principal], home


@dataclass(frozen=True)
class Expect:
    statuses: dict[str, int]
    body: Body = None
    side: str = "brand"  # whose members play viewer…owner: "brand" or "creator"
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    path_ids: dict[str, str] = field(default_factory=dict)  # path parameter -> key of world.ids, when they differ

    def with_ids(self, **path_ids: str) -> Expect:
        return Expect(self.statuses, self.body, self.side, self.headers, self.content_type, path_ids)


def by_role(
    minimum: str,
    ok: int = 200,
    *,
    body: Body = None,
    side: str = "brand",
    scoped: bool = False,
    operator: int | None = None,
    other_tenant: int | None = None,
    denied: int = 403,
    headers: dict[str, str] | None = None,
    content_type: str = "application/json",
) -> Expect:
    """Roles at or above ``minimum`` get ``ok``, lower roles ``denied``, anonymous 401.

    ``scoped``: the route names an object of the home organization, so the other tenant and the operator (acting for
    their own organizations) get 404. Otherwise they act on their own organization like its owner would, unless
    ``other_tenant`` / ``operator`` say otherwise (e.g. 403 for a route only brands may use).
    """
    statuses = {"anonymous": 401}
    for role in ROLE_PRINCIPALS:
        statuses[role] = ok if _RANK[role] >= _RANK[minimum] else denied
    statuses["other_tenant"] = other_tenant if other_tenant is not None else (404 if scoped else ok)
    statuses["operator"] = operator if operator is not None else (404 if scoped else ok)
    return Expect(statuses, body, side, headers or {}, content_type)


def operator_only(ok: int = 200, *, body: Body = None, headers: dict[str, str] | None = None) -> Expect:
    statuses = {p: 403 for p in PRINCIPALS}
    statuses.update(anonymous=401, operator=ok)
    return Expect(statuses, body, "brand", headers or {})


def everyone(ok: int = 200, *, body: Body = None, side: str = "brand") -> Expect:
    return Expect({p: (401 if p == "anonymous" else ok) for p in PRINCIPALS}, body, side)


__all__ = ["PRINCIPALS", "Expect", "Role", "World", "by_role", "everyone", "operator_only"]
