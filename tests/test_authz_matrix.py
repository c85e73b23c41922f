"""Every API route × every caller → expected status. A route added without a matrix entry fails here."""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import tests
from accord.accounts.models import Organization, Role
from accord.accounts.services import create_operator
from accord.api import api
from tests.authz import PRINCIPALS, Expect, World
from tests.conftest import add_member, client_for, make_org

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def _app_modules() -> list[Any]:
    found = []
    root = Path(tests.__file__).parent
    for info in pkgutil.iter_modules([str(root)]):
        if info.ispkg and (root / info.name / "authz.py").exists():
            found.append(importlib.import_module(f"tests.{info.name}.authz"))
    return found


MODULES = _app_modules()
MATRIX: dict[str, Expect] = {}
for _m in MODULES:
    for _route, _expect in _m.MATRIX.items():
        assert _route not in MATRIX, f"{_route} is listed twice"
        MATRIX[_route] = _expect
BUILDERS: list[Callable[[World], None]] = [m.build for m in MODULES if hasattr(m, "build")]


def schema_routes() -> set[str]:
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    return {
        f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops if method in HTTP_METHODS
    }


def test_every_route_has_a_matrix_entry() -> None:
    missing = sorted(schema_routes() - MATRIX.keys())
    assert not missing, f"routes without an authorization matrix entry: {missing}"


def test_matrix_names_no_route_that_does_not_exist() -> None:
    stale = sorted(MATRIX.keys() - schema_routes())
    assert not stale, f"matrix entries for routes that no longer exist: {stale}"


def test_every_entry_covers_every_principal() -> None:
    for route, expect in MATRIX.items():
        assert set(expect.statuses) == set(PRINCIPALS), route


def _team(kind: str) -> tuple[Organization, dict[str, Any]]:
    org, owner = make_org(kind)
    users: dict[str, Any] = {Role.OWNER: owner}
    for role in (Role.VIEWER, Role.MEMBER, Role.ADMIN):
        users[role] = add_member(org, role)
    return org, users


def build_world() -> World:
    brand, brand_users = _team(Organization.Kind.BRAND)
    rival_brand, rival_brand_owner = make_org(Organization.Kind.BRAND)
    creator, creator_users = _team(Organization.Kind.CREATOR)
    rival_creator, rival_creator_owner = make_org(Organization.Kind.CREATOR)
    operator = create_operator(email="op@accord.test", password="operator-password-1")
    world = World(
        brand=brand,
        brand_users=brand_users,
        rival_brand=rival_brand,
        rival_brand_owner=rival_brand_owner,
        creator=creator,
        creator_users=creator_users,
        rival_creator=rival_creator,
        rival_creator_owner=rival_creator_owner,
        operator_org=Organization.objects.get(kind="operator"),
        operator=operator,
    )
    for build in BUILDERS:
        build(world)
    return world


CELLS = [(route, who) for route in sorted(MATRIX) for who in PRINCIPALS]


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "principal"), CELLS, ids=[f"{r} as {p}" for r, p in CELLS])
def test_authorization(route: str, principal: str) -> None:
    expect = MATRIX[route]
    world = build_world()
    method, template = route.split(" ", 1)
    path = template.format(**{**world.ids, **{k: world.ids[v] for k, v in expect.path_ids.items()}})
    user, org = world.user_for(principal, expect.side)
    client = client_for(user, org, **expect.headers)
    body = expect.body(world, principal) if callable(expect.body) else expect.body
    if method == "GET":
        response = client.get(path, data=body or {}, **{})
    else:
        data = json.dumps(body) if expect.content_type == "application/json" and body is not None else (body or "")
        response = client.generic(method, path, data=data, content_type=expect.content_type)
    wanted = expect.statuses[principal]
    assert response.status_code == wanted, (
        f"{route} as {principal}: expected {wanted}, got {response.status_code}: {response.content[:300]!r}"
    )
    if response.status_code >= 400 and response["Content-Type"].startswith("application/json"):
        assert "code" in response.json()["error"]
