"""Escrow pages through Django's test client: brand funds (with a confirmation step), creator sees the money held
for them, operator confirms a bank deposit (with a confirmation step). Real services, real database."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from accord.accounts.models import Organization, Role
from accord.escrow import services, stripe_provider
from accord.escrow.models import Deposit
from tests.conftest import Team, client_for, make_team
from tests.escrow.helpers import brand_principal, campaign_for, operator_principal
from tests.stripe_replay import API_KEY, StripeReplay, load

pytestmark = pytest.mark.django_db


def _key(html: str) -> str:
    match = re.search(r'name="key" value="([0-9a-f]{32})"', html)
    assert match, "the fund form carries an idempotency key"
    return match.group(1)


def _every_input_labelled(html: str) -> None:
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        if 'type="hidden"' in tag or 'name="csrfmiddlewaretoken"' in tag or 'name="next"' in tag:
            continue
        ident = re.search(r'id="([^"]+)"', tag)
        assert ident and f'for="{ident.group(1)}"' in html, f"no label for {tag}"


def test_brand_funds_a_campaign_by_bank_transfer_after_confirming(settings: Any) -> None:
    settings.ACCORD_STRIPE_API_KEY = ""
    team = make_team()
    campaign = campaign_for(team.org)
    c = client_for(team.users[Role.MEMBER], team.org)

    page = c.get(f"/escrow/campaigns/{campaign.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Fund this campaign" in html and 'value="stripe"' not in html
    _every_input_labelled(html)
    key = _key(html)

    form = {"amount": "2,500.00", "provider": "manual", "key": key}
    review = c.post(f"/escrow/campaigns/{campaign.pk}/fund/", form)
    assert review.status_code == 200 and "€2,500.00" in review.content.decode()
    assert not Deposit.objects.exists()  # nothing starts before the brand confirms

    done = c.post(f"/escrow/campaigns/{campaign.pk}/fund/", {**form, "amount": "2500.00", "confirm": "yes"})
    assert done.status_code == 302
    deposit = Deposit.objects.get()
    assert (deposit.amount, deposit.status, deposit.provider) == (250_000, "pending", "manual")
    again = c.post(f"/escrow/campaigns/{campaign.pk}/fund/", {**form, "amount": "2500.00", "confirm": "yes"})
    assert again.status_code == 302 and Deposit.objects.count() == 1  # a double submit starts nothing twice

    after = c.get(f"/escrow/campaigns/{campaign.pk}/").content.decode()
    assert deposit.reference in after and "Awaiting payment" in after


def test_fund_form_errors_and_who_may_fund() -> None:
    team = make_team()
    campaign = campaign_for(team.org)
    member = client_for(team.users[Role.MEMBER], team.org)
    bad = member.post(f"/escrow/campaigns/{campaign.pk}/fund/", {"amount": "1.234", "provider": "manual", "key": "k"})
    assert bad.status_code == 200 and "Enter an amount like 2500.00." in bad.content.decode()

    viewer = client_for(team.users[Role.VIEWER], team.org)
    assert "Fund this campaign" not in viewer.get(f"/escrow/campaigns/{campaign.pk}/").content.decode()
    refused = viewer.post(
        f"/escrow/campaigns/{campaign.pk}/fund/",
        {"amount": "10.00", "provider": "manual", "key": "k" * 32, "confirm": "yes"},
    )
    assert refused.status_code == 302 and not Deposit.objects.exists()

    rival = make_team()
    assert client_for(rival.users[Role.OWNER], rival.org).get(f"/escrow/campaigns/{campaign.pk}/").status_code == 404
    assert Client().get(f"/escrow/campaigns/{campaign.pk}/").status_code == 302  # to the login page


def test_stripe_is_offered_when_configured(settings: Any) -> None:
    settings.ACCORD_STRIPE_API_KEY = "sk_test_replay"
    team = make_team()
    campaign = campaign_for(team.org)
    html = client_for(team.users[Role.OWNER], team.org).get(f"/escrow/campaigns/{campaign.pk}/").content.decode()
    assert 'value="stripe"' in html and "Card or wallet (Stripe)" in html


def _funded_creator() -> tuple[Team, Organization, Any]:
    brand = brand_principal()
    campaign = campaign_for(brand.organization)
    deposit = services.start_deposit(brand, campaign_id=campaign.pk, amount=100_000, key="d1")
    services.confirm_deposit(None, deposit_id=deposit.pk, provider_ref="BANK-1")
    creator = make_team(Organization.Kind.CREATOR)
    held = services.fund_hold(
        brand,
        campaign_id=campaign.pk,
        creator_org_id=creator.org.pk,
        amount=30_000,
        reference_type="milestone",
        reference_id=1,
        key="h1",
    )
    services.fund_hold(
        brand,
        campaign_id=campaign.pk,
        creator_org_id=creator.org.pk,
        amount=20_000,
        reference_type="milestone",
        reference_id=2,
        key="h2",
    )
    services.release(brand, escrow_hold_id=held.pk, key="r1")
    return creator, creator.org, campaign


def test_creator_sees_funded_held_released_and_payable_per_campaign() -> None:
    creator, org, campaign = _funded_creator()
    page = client_for(creator.users[Role.VIEWER], org).get("/escrow/balances/")
    assert page.status_code == 200
    html = page.content.decode()
    assert campaign.name in html
    # funded 500.00 (both holds), held 200.00, released 270.00 net of the 10 % fee, payable 270.00
    row = html[html.index(campaign.name) :]
    row = row[: row.index("</tr>")]
    assert re.findall(r"€[0-9,.]+", row) == ["€500.00", "€200.00", "€270.00", "€0.00", "€270.00"]
    assert "Nothing paid out yet." in html
    assert client_for(creator.users[Role.VIEWER], org).get("/escrow/").url.endswith("/escrow/balances/")


def test_brand_page_shows_escrow_and_holds_and_creator_page_is_creators_only() -> None:
    brand = brand_principal()
    campaign = campaign_for(brand.organization)
    deposit = services.start_deposit(brand, campaign_id=campaign.pk, amount=80_000, key="d1")
    services.confirm_deposit(None, deposit_id=deposit.pk, provider_ref="BANK-9")
    creator = make_team(Organization.Kind.CREATOR)
    services.fund_hold(
        brand,
        campaign_id=campaign.pk,
        creator_org_id=creator.org.pk,
        amount=30_000,
        reference_type="milestone",
        reference_id=7,
        key="h",
    )
    assert brand.user is not None
    c = client_for(brand.user, brand.organization)
    html = c.get(f"/escrow/campaigns/{campaign.pk}/").content.decode()
    assert "€800.00" in html and "€300.00" in html and "€500.00" in html  # balance, held, available
    assert creator.org.name in html and "milestone 7" in html
    assert c.get("/escrow/balances/").status_code == 404


def test_operator_confirms_a_bank_deposit_after_reviewing_it() -> None:
    brand = brand_principal()
    campaign = campaign_for(brand.organization)
    deposit = services.start_deposit(brand, campaign_id=campaign.pk, amount=42_000, key="d1")
    ops = operator_principal()
    assert ops.user is not None
    c = client_for(ops.user, ops.organization)

    queue = c.get("/escrow/operator/deposits/")
    assert queue.status_code == 200 and deposit.reference in queue.content.decode()
    _every_input_labelled(queue.content.decode())
    assert c.get("/escrow/").url.endswith("/escrow/operator/deposits/")

    review = c.post(f"/escrow/operator/deposits/{deposit.pk}/confirm/", {"bank_ref": "BANK-77"})
    assert review.status_code == 200 and "€420.00" in review.content.decode()
    deposit.refresh_from_db()
    assert deposit.status == Deposit.Status.PENDING  # nothing moved yet

    done = c.post(f"/escrow/operator/deposits/{deposit.pk}/confirm/", {"bank_ref": "BANK-77", "confirm": "yes"})
    assert done.status_code == 302
    deposit.refresh_from_db()
    assert deposit.status == Deposit.Status.CONFIRMED and deposit.provider_ref == "BANK-77"
    assert services.campaign_escrow(campaign).balance == 42_000
    twice = c.post(f"/escrow/operator/deposits/{deposit.pk}/confirm/", {"bank_ref": "BANK-77", "confirm": "yes"})
    assert twice.status_code == 302 and services.campaign_escrow(campaign).balance == 42_000
    assert "was already confirmed" in c.get("/escrow/operator/deposits/").content.decode()
    assert "No deposits are waiting." in c.get("/escrow/operator/deposits/").content.decode()

    brand_client = client_for(brand.user, brand.organization)  # type: ignore[arg-type]
    assert brand_client.get("/escrow/operator/deposits/").status_code == 404
    assert brand_client.post(f"/escrow/operator/deposits/{deposit.pk}/confirm/", {"confirm": "yes"}).status_code == 404


def test_brand_funds_by_card_and_the_page_shows_the_opened_payment(monkeypatch: Any, settings: Any) -> None:
    replay = StripeReplay(load(Path(__file__).parent / "recordings" / "stripe_payment_intents.json"))
    monkeypatch.setattr(stripe_provider, "HTTP_CLIENT", replay)
    settings.ACCORD_STRIPE_API_KEY = API_KEY
    team = make_team()
    campaign = campaign_for(team.org)
    c = client_for(team.users[Role.ADMIN], team.org)
    form = {
        "amount": "99.00",
        "provider": "stripe",
        "key": _key(c.get(f"/escrow/campaigns/{campaign.pk}/").content.decode()),
    }

    replay.expect("post", "/v1/payment_intents", "api_error")
    c.post(f"/escrow/campaigns/{campaign.pk}/fund/", {**form, "confirm": "yes"})
    html = c.get(f"/escrow/campaigns/{campaign.pk}/").content.decode()
    assert "the payment provider is unavailable" in html
    assert "The card payment could not be opened yet" in html

    replay.expect("post", "/v1/payment_intents", "payment_intent_created", amount=9_900)
    c.post(f"/escrow/campaigns/{campaign.pk}/fund/", {**form, "confirm": "yes"})
    html = c.get(f"/escrow/campaigns/{campaign.pk}/").content.decode()
    assert "Card payment opened at Stripe (pi_3QGa1xLkdIwHu7ix0Zt4Kc8m)" in html
    deposit = Deposit.objects.get()
    assert deposit.amount == 9_900 and deposit.status == Deposit.Status.PENDING
    keys = {r["headers"]["Idempotency-Key"] for r in replay.requests}
    assert keys == {f"accord-deposit-{deposit.pk}-{deposit.reference}"}
