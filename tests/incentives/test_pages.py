"""Incentives pages: live panels (htmx polling every second), forecast table + SVG, explanations for both sides."""

from __future__ import annotations

import pytest
from lxml import etree

from accord.accounts.models import Role
from accord.incentives import services
from accord.incentives.chart import forecast_svg
from accord.incentives.rules import ForecastRow
from tests.conftest import client_for
from tests.incentives.helpers import collaboration, ingest, sale

pytestmark = pytest.mark.django_db

RULES = (
    {"kind": "revenue_share", "id": "rev", "percent": "10"},
    {
        "kind": "tiered_bonus",
        "id": "views-bonus",
        "kpi": "views",
        "tiers": [{"threshold": 100_000, "amount": 20_000}, {"threshold": 250_000, "amount": 50_000}],
    },
)


def test_both_sides_see_the_accrual_live_and_explained() -> None:
    deal, contract, link = collaboration(*RULES)
    ingest(deal, link, sale(50_000), {"type": "view", "quantity": 120_000})
    out = services.accrue_contract(contract.pk)
    assert out.accrued == 5_000 + 20_000
    for user, org in ((deal.brand_users[Role.VIEWER], deal.brand), (deal.creator_users[Role.OWNER], deal.creator)):
        client = client_for(user, org)
        live = client.get(f"/incentives/c/{contract.pk}/live/")
        assert live.status_code == 200
        html = live.content.decode()
        assert 'hx-trigger="every 500ms"' in html
        assert "views-bonus" in html and "250000" in html  # next threshold shown
        page = client.get(f"/incentives/c/{contract.pk}/")
        assert page.status_code == 200 and b"<svg" in page.content and b"Forecast per scenario" in page.content
        dash = client.get("/incentives/live/")
        assert dash.status_code == 200 and contract.title.encode() in dash.content
    stranger = client_for(*_stranger())
    assert stranger.get(f"/incentives/c/{contract.pk}/live/").status_code == 404


def _stranger() -> tuple[object, object]:
    from accord.accounts.models import Organization
    from tests.conftest import make_org

    org, owner = make_org(Organization.Kind.BRAND)
    return owner, org


def test_forecast_svg_is_valid_and_readable_without_colour() -> None:
    rows = [
        ForecastRow(scenario="low", kpis={}, by_rule={"rev": 1_000, "bonus": 0}, total=1_000),
        ForecastRow(scenario="high <&>", kpis={}, by_rule={"rev": 4_000, "bonus": 20_000}, total=24_000),
    ]
    svg = forecast_svg(rows, "EUR", actual=3_000)
    root = etree.fromstring(svg.encode())
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert root.get("role") == "img" and root.find("s:title", ns) is not None
    texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "high <&>" in texts and "earned so far" in texts and "bonus" in texts and "rev" in texts
    assert len(root.findall(".//s:pattern", ns)) == 2  # one pattern per rule, named in the legend


def test_forecast_on_an_offer_before_signing() -> None:
    from accord.contracts import services as contracts
    from tests.contracts.helpers import make_deal, terms
    from tests.incentives.helpers import comp

    deal = make_deal()
    offer = contracts.send_offer(
        deal.brand_as(),
        campaign_id=deal.campaign.pk,
        creator_org_id=deal.creator.pk,
        terms=terms(compensation=comp(*RULES)),
    )
    client = client_for(deal.creator_users[Role.OWNER], deal.creator)
    svg = client.get(f"/incentives/c/{offer.pk}/forecast.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    api = client.get(f"/api/v1/incentives/contracts/{offer.pk}/forecast").json()
    assert [r["scenario"] for r in api["rows"]] == ["low", "expected", "high"]
    high = api["rows"][2]
    assert high["by_rule"]["views-bonus"] == 70_000  # both tiers reached at 1.2 × 250k views
    custom = client.post(
        f"/api/v1/incentives/contracts/{offer.pk}/forecast",
        {"scenarios": [{"name": "100k views", "kpis": {"views": 100_000, "revenue": 10_000}}]},
        content_type="application/json",
    ).json()
    assert custom["rows"][0]["by_rule"] == {"rev": 1_000, "views-bonus": 20_000}


def test_api_lists_accruals_with_their_facts() -> None:
    deal, contract, link = collaboration(RULES[0])
    ingest(deal, link, sale(10_000), sale(30_000))
    services.accrue_contract(contract.pk)
    client = client_for(deal.creator_users[Role.OWNER], deal.creator)
    items = client.get(f"/api/v1/incentives/contracts/{contract.pk}/accruals").json()["items"]
    assert [(i["kind"], i["amount"], i["rule_id"], i["status"]) for i in items] == [
        ("accrual", 4_000, "rev", "pending")
    ]
    detail = client.get(f"/api/v1/incentives/accruals/{items[0]['id']}").json()
    assert sorted(f["amount"] for f in detail["facts"]) == [10_000, 30_000]
    live = client.get(f"/api/v1/incentives/contracts/{contract.pk}/live").json()
    assert live["net"] == 4_000 and live["pending"] == 4_000 and live["positions"][0]["kpi"] == "revenue_net"
