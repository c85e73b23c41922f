"""The "Your data" pages: owners only, export and download, deletion on a second page with the typed name."""

from __future__ import annotations

import pytest

from accord.accounts.models import DataExport, Organization, Role
from tests.conftest import client_for, make_team
from tests.contracts.helpers import make_deal

pytestmark = pytest.mark.django_db


def test_only_owners_see_the_page() -> None:
    team = make_team()
    assert client_for(team.users[Role.ADMIN], team.org).get("/accounts/data/").status_code == 404
    page = client_for(team.users[Role.OWNER], team.org).get("/accounts/data/")
    assert page.status_code == 200 and b"/accounts/data/delete/" in page.content


def test_export_then_download() -> None:
    team = make_team()
    owner = client_for(team.users[Role.OWNER], team.org)
    assert owner.post("/accounts/data/export/").status_code == 302
    export = DataExport.objects.get(organization=team.org)
    assert export.state == DataExport.State.READY
    response = owner.get(f"/accounts/data/exports/{export.pk}/download/")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    stranger = make_team()
    other = client_for(stranger.users[Role.OWNER], stranger.org)
    assert other.get(f"/accounts/data/exports/{export.pk}/download/").status_code == 404


def test_delete_lists_blockers_and_refuses() -> None:
    deal = make_deal()
    owner = client_for(deal.brand_users[Role.OWNER], deal.brand)
    page = owner.get("/accounts/data/delete/")
    assert b"Money left in campaign escrow" in page.content and b'name="confirm"' not in page.content
    owner.post("/accounts/data/delete/", {"confirm": deal.brand.name, "nonce": "n1"})
    deal.brand.refresh_from_db()
    assert deal.brand.deleted_at is None


def test_delete_needs_the_exact_name_then_signs_out() -> None:
    team = make_team()
    owner = client_for(team.users[Role.OWNER], team.org)
    wrong = owner.post("/accounts/data/delete/", {"confirm": "nope", "nonce": "n1"})
    assert wrong.status_code == 200 and b"exactly as shown" in wrong.content
    done = owner.post("/accounts/data/delete/", {"confirm": team.org.name, "nonce": "n2"})
    assert done.status_code == 302 and done["Location"].endswith("/accounts/login/")
    assert Organization.objects.get(pk=team.org.pk).deleted_at is not None
    assert owner.get("/accounts/data/").status_code == 302  # signed out: back to the login page
