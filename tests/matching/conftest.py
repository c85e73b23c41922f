from __future__ import annotations

from collections.abc import Iterator

import pytest

from accord.matching import store


@pytest.fixture(autouse=True)
def _fresh_catalog() -> Iterator[None]:
    # Each test's database is rolled back; never let a catalog built in one test leak into the next.
    store.clear_cache()
    yield
    store.clear_cache()
