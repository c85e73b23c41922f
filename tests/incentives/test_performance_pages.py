"""The collaboration page and the dashboard show the rollups' counters and spend with CPM, CPC, CPA and ROAS."""

from __future__ import annotations

import pytest
from lxml import html

from accord.accounts.models import Organization, Role
from tests.conftest import client_for, make_team
from tests.incentives.follower import follow_once
from tests.incentives.helpers import collaboration, ingest, sale

pytestmark = pytest.mark.django_db

CPA = {"kind": "cpa", "id": "cpa", "rate": "1000"}


def _cells(page: bytes) -> dict[str, str]:
    tree = html.fromstring(page.decode())
    return {el.get("data-testid"): el.text_content().strip() for el in tree.xpath("//*[@data-testid]")}


def test_live_panel_shows_spend_and_kpis_to_both_sides() -> None:
    deal, contract, link = collaboration(CPA)
    ingest(deal, link, {"type": "view", "quantity": 40_000}, sale(9_000), sale(6_000))
    follow_once()  # books 2 × 10.00 and adds that spend to the rollups
    for user, org in ((deal.brand_users[Role.VIEWER], deal.brand), (deal.creator_users[Role.OWNER], deal.creator)):
        page = client_for(user, org).get(f"/incentives/c/{contract.pk}/live/")
        assert page.status_code == 200
        cells = _cells(page.content)
        assert (cells["spend"], cells["cpm"], cells["cpa"], cells["roas"]) == ("€20.00", "€0.50", "€10.00", "7.50×")
        assert cells["cpc"] == "—"  # no clicks: nothing to divide by


def test_dashboard_lists_kpis_per_collaboration_in_dutch() -> None:
    deal, contract, link = collaboration(CPA)
    ingest(deal, link, {"type": "view", "quantity": 40_000}, sale(9_000))
    follow_once()
    client = client_for(deal.brand_users[Role.OWNER], deal.brand)
    client.post("/i18n/setlang/", {"language": "nl", "next": "/"})
    page = client.get("/incentives/live/")
    text = " ".join(html.fromstring(page.content.decode()).text_content().split())
    assert contract.title in text and "Uitgaven" in text and "Samenwerkingen met prestatiebeloning" in text
    assert "netto conversies = 1" in text  # the KPI by its Dutch name, not its code
    assert "€ 0,25" in text and "€ 10,00" in text and "9,00×" in text  # CPM, CPA, ROAS


def test_api_serves_the_collaboration_series_to_both_sides_only() -> None:
    deal, contract, link = collaboration(CPA)
    ingest(deal, link, {"type": "view", "quantity": 40_000}, sale(9_000), sale(6_000))
    follow_once()
    path = f"/api/v1/incentives/contracts/{contract.pk}/performance"
    for user, org in ((deal.brand_users[Role.VIEWER], deal.brand), (deal.creator_users[Role.OWNER], deal.creator)):
        body = client_for(user, org).get(path).json()
        assert len(body["points"]) == 30 and body["granularity"] == "day"
        assert (body["totals"]["spend"], body["totals"]["views"]) == (2_000, 40_000)
        assert (body["kpis"]["cpm"], body["kpis"]["cpa"], body["kpis"]["roas"]) == ("50.00", "1000.00", "7.5000")
        assert body["points"][-1]["totals"]["conversions"] == 2
    brand = client_for(deal.brand_users[Role.OWNER], deal.brand)
    year = {"granularity": "hour", "since": "2025-01-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}
    assert brand.get(path, year).status_code == 422  # a year of hours is more points than a series holds
    month = brand.get(path, {"granularity": "hour", "since": "2025-01-01T00:00:00Z"}).json()
    assert len(month["points"]) == 30 * 24  # from ``since``, 30 days unless ``until`` says otherwise
    rival = make_team(Organization.Kind.BRAND)
    assert client_for(rival.users[Role.OWNER], rival.org).get(path).status_code == 404
