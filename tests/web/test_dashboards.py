"""The role home pages with hand-built data: exact numbers, tenancy, and who may see the operator console."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils.formats import date_format

from accord.accounts.models import Organization, Role, User
from accord.contracts import services as contracts
from accord.contracts.templatetags.contract_tags import money
from accord.core import clock
from accord.core.models import AuditRecord
from accord.disputes import services as disputes
from accord.incentives import services as incentives
from accord.ledger.models import Account
from accord.messaging.models import Message
from accord.payouts import services as payouts
from accord.payouts.models import PayoutFile
from accord.tracking.models import Event, FraudFlag
from tests.conftest import client_for
from tests.contracts.helpers import hourly_terms, make_deal, signed_contract, terms
from tests.web.conftest import NOW, World, build_world, principal

pytestmark = pytest.mark.django_db


def owner(org: Organization) -> User:
    return org.memberships.get(role=Role.OWNER).user


def page(client: Client, url: str = "/") -> str:
    response = client.get(url)
    assert response.status_code == 200, response.content.decode()[:500]
    return response.content.decode()


def cell(html: str, attr: str, value: object) -> str:
    """The table row (or list item) carrying ``data-<attr>="<value>"``."""
    found = re.search(rf'<(tr|li)[^>]*data-{attr}="{value}"[^>]*>(.*?)</\1>', html, re.S)
    assert found, f"no {attr}={value}"
    return found.group(2)


# -- brand -----------------------------------------------------------------------------------------------------------


def test_brand_dashboard_shows_escrow_money_approvals_and_charts(world: World) -> None:
    deal = world.deal
    html = page(client_for(owner(deal.brand), deal.brand))
    assert 'id="brand-dashboard"' in html and 'id="discover-link"' in html and "/discover/" in html
    row = cell(html, "campaign", deal.campaign.pk)
    # Budget 20,000.00; deposited 10,000.00; the publish milestone's 1,000.00 held; the concept's 500.00 released.
    for amount in (2_000_000, 1_000_000, 100_000, 50_000):
        assert money(amount, "EUR") in row
    assert re.findall(r'class="num">([^<]+)<', row) == [
        money(2_000_000, "EUR"),
        money(1_000_000, "EUR"),
        money(100_000, "EUR"),
        money(50_000, "EUR"),
        money(50_000, "EUR"),
    ]
    assert "2% of budget" in row

    approval = cell(html, "milestone", world.publish.pk)
    assert "Published reel" in approval
    assert world.publish.review_due_at == NOW - timedelta(days=1) + timedelta(days=14)
    assert "1\xa0week, 6\xa0days" in approval  # 13 days from now until the review deadline
    assert world.concept.pk not in [int(i) for i in re.findall(r'data-milestone="(\d+)"', html)]

    assert 'id="perf-chart"' in html and 'hx-trigger="every 5s"' in html
    assert f'hx-get="/dashboard/performance/?campaign={deal.campaign.pk}"' in html


def test_approvals_queue_is_oldest_first_and_says_when_overdue(world: World) -> None:
    deal = world.deal
    second = contracts.send_offer(
        deal.brand_as(), campaign_id=deal.campaign.pk, creator_org_id=deal.creator.pk, terms=terms()
    )
    contracts.sign(deal.brand_as(), second.pk, typed_name="Bea Brand", version_number=1)
    contracts.sign(deal.creator_as(), second.pk, typed_name="Cas Creator", version_number=1)
    newer = second.milestones.get(key="concept")
    contracts.fund_milestone(deal.brand_as(), newer.pk, key="fund-newer")
    contracts.submit(deal.creator_as(), newer.pk, post_url="https://instagram.com/p/c", caption="Jas #advertentie")
    clock.set_now(NOW + timedelta(days=13, hours=12))  # past the first review deadline, before the second
    html = page(client_for(owner(deal.brand), deal.brand))
    order = [int(i) for i in re.findall(r'data-milestone="(\d+)"', html)]
    assert order == [world.publish.pk, newer.pk]
    assert "Overdue" in cell(html, "milestone", world.publish.pk)
    assert "Overdue" not in cell(html, "milestone", newer.pk)


def test_submitted_timesheets_wait_for_the_brand_and_the_creator_can_log_time(world: World) -> None:
    deal = world.deal
    hourly = signed_contract(deal, hourly_terms(rate=6_000, cap=30_000))
    contracts.fund_milestone(deal.brand_as(), hourly.milestones.get().pk, key="fund-hourly")
    contracts.log_time(deal.creator_as(), hourly.pk, work_date=clock.today(), minutes=100, note="Shoot")
    sheet = hourly.timesheets.get()
    brand = page(client_for(owner(deal.brand), deal.brand))
    assert 'data-timesheet="' not in brand  # still open: nothing to approve yet
    contracts.submit_timesheet(deal.creator_as(), sheet.pk)
    row = cell(page(client_for(owner(deal.brand), deal.brand)), "timesheet", sheet.pk)
    assert re.findall(r'class="num">([^<]+)<', row) == ["1.67"]  # 100 minutes
    assert f'href="/contracts/{hourly.pk}/time/"' in row
    creator = cell(page(client_for(owner(deal.creator), deal.creator)), "contract", hourly.pk)
    assert f'href="/contracts/{hourly.pk}/time/">Log time' in creator


def test_performance_partial_has_exact_totals_and_four_accessible_charts(world: World) -> None:
    deal = world.deal
    html = page(client_for(owner(deal.brand), deal.brand), f"/dashboard/performance/?campaign={deal.campaign.pk}")
    assert html.lstrip().startswith('<div id="perf-chart"')  # the partial alone, for htmx to swap in
    totals = dict(re.findall(r"<dt>([^<]+)</dt><dd>(.*?)</dd>", html, re.S))
    assert totals["Clicks"] == "100" and totals["Views"] == "4,000" and totals["Conversions"] == "2"
    assert totals["Net revenue"] == money(200_000, "EUR")
    assert totals["Spent (all time)"].startswith(money(50_000, "EUR"))
    assert totals["ROAS"] == "4.00×"  # 2,000.00 of net revenue on 500.00 spent
    assert totals["CPA"] == money(25_000, "EUR")  # 500.00 over two conversions
    assert totals["CPC"] == "—"  # no unique clicks counted: nothing to divide by
    assert html.count('role="img"') == 4 and html.count('class="sr-only chart-data"') == 4
    for title in ("Clicks and conversions per day", "Views per day", "Spend against budget"):
        assert f">{title}</title>" in html
    assert f"Budget: {money(2_000_000, 'EUR')}" in html  # the budget line is labelled
    assert "ROAS to date: 4.00×" in html  # the ROAS line's description ends at 4.00
    day = date_format(NOW.date() - timedelta(days=1), "MONTH_DAY_FORMAT")
    assert f'<th scope="row">{day}</th><td>60</td><td>2</td>' in html  # the data table's clicks and conversions


def test_performance_partial_stays_cheap(world: World, django_assert_max_num_queries: Any) -> None:
    """Polled every few seconds by every open dashboard: a fixed handful of indexed reads, whatever the data."""
    browser = client_for(owner(world.deal.brand), world.deal.brand)
    url = f"/dashboard/performance/?campaign={world.deal.campaign.pk}"
    browser.get(url)
    # session, user, membership, campaign; rollups in the window and before it.
    with django_assert_max_num_queries(7):
        assert browser.get(url).status_code == 200


def test_performance_without_activity_shows_an_empty_state(db: None) -> None:
    clock.set_now(NOW)
    deal = make_deal(deposit=0)
    html = page(client_for(owner(deal.brand), deal.brand))
    assert "No clicks, views, conversions or spend in the last 30 days yet" in html
    assert "Nothing to review" in html


def test_brand_without_campaigns_is_invited_to_create_one(db: None) -> None:
    from tests.conftest import make_org

    org, user = make_org(Organization.Kind.BRAND)
    html = page(client_for(user, org))
    assert "No campaigns yet." in html and 'href="/campaigns/"' in html
    assert "Charts appear once you have a campaign." in html


def test_a_brand_never_sees_another_brands_campaigns_or_charts(world: World) -> None:
    other = make_deal(deposit=0)
    browser = client_for(owner(other.brand), other.brand)
    html = page(browser)
    assert f'data-campaign="{world.deal.campaign.pk}"' not in html
    assert f'data-milestone="{world.publish.pk}"' not in html
    assert browser.get(f"/dashboard/performance/?campaign={world.deal.campaign.pk}").status_code == 404
    assert browser.get(f"/?campaign={world.deal.campaign.pk}").status_code == 404
    creator = client_for(owner(world.deal.creator), world.deal.creator)
    assert creator.get(f"/dashboard/performance/?campaign={world.deal.campaign.pk}").status_code == 404


# -- creator ---------------------------------------------------------------------------------------------------------


def test_creator_portal_shows_earnings_contracts_and_standing(world: World) -> None:
    deal = world.deal
    creator_user = owner(deal.creator)
    browser = client_for(creator_user, deal.creator)
    html = page(browser)
    assert 'id="creator-portal"' in html
    earnings = cell(html, "currency", "EUR")
    # The concept's 500.00 released less the 10% platform fee; nothing pending or paid yet.
    assert re.findall(r'class="num">([^<]+)<', earnings) == [
        money(0, "EUR"),
        money(45_000, "EUR"),
        money(0, "EUR"),
        money(0, "EUR"),
    ]
    assert "Add a default payout method to be paid." in earnings
    assert "No payout method yet" in html

    contract_row = cell(html, "contract", world.contract.pk)
    assert "Published reel" in contract_row and date_format(world.publish.due_on, "DATE_FORMAT") in contract_row
    unread = Message.objects.filter(thread__participants__organization=deal.creator).exclude(author=creator_user)
    assert unread.count() > 0
    assert f"{unread.count()} unread messages" in html
    assert 'data-tier="new"' in html and "not enough history yet" in html

    payouts.add_method(
        deal.creator_as(), kind="sepa", account_holder="Cas Creator", iban="NL91ABNA0417164300", make_default=True
    )
    html = page(browser)
    [expected] = payouts.expected_payouts(deal.creator.pk)
    assert expected.amount == 45_000 and expected.promised_date is not None
    assert f"{money(45_000, 'EUR')} by {date_format(expected.promised_date, 'DATE_FORMAT')}" in html
    assert "Paid to Cas Creator" in html


def test_creator_offers_inbox_summarises_the_counter_and_the_forecast(world: World) -> None:
    deal = world.deal
    first = terms(compensation={"currency": "EUR", "rules": [{"kind": "cpa", "id": "cpa", "rate": "1000"}]})
    offer = contracts.send_offer(
        deal.brand_as(), campaign_id=deal.campaign.pk, creator_org_id=deal.creator.pk, terms=first
    )
    asked = terms(compensation=first["compensation"])
    asked["payment"]["milestones"][1]["amount"] = 120_000
    contracts.counter(deal.creator_as(), offer.pk, terms=asked)
    met = terms(compensation=first["compensation"])
    met["payment"]["milestones"][1]["amount"] = 110_000
    contracts.counter(deal.brand_as(), offer.pk, terms=met)
    html = page(client_for(owner(deal.creator), deal.creator))
    item = cell(html, "contract", offer.pk)
    assert "1 change in the latest counter: payment.milestones[publish].amount" in item
    _, _, rows = incentives.forecast_for(deal.creator_as(), offer.pk)
    low, high = min(r.total for r in rows), max(r.total for r in rows)
    assert low < high
    assert f"Performance pay forecast: {money(low, 'EUR')} to {money(high, 'EUR')}" in item


def test_a_creator_never_sees_another_creators_earnings(world: World) -> None:
    other = make_deal(deposit=0)
    html = page(client_for(owner(other.creator), other.creator))
    assert "No earnings yet." in html and money(45_000, "EUR") not in html
    assert f'data-contract="{world.contract.pk}"' not in html
    assert "No open offers." in html and "No signed contracts yet." in html


# -- operator --------------------------------------------------------------------------------------------------------


@pytest.fixture
def console(world: World, operator: tuple[Organization, User]) -> tuple[World, Client, FraudFlag]:
    org, user = operator
    event = Event.objects.filter(campaign=world.deal.campaign, type="click").first()
    assert event is not None
    flag = FraudFlag.objects.create(
        target_type=FraudFlag.Target.EVENT,
        target_id=event.pk,
        rule=FraudFlag.Rule.CLICK_BURST,
        reason="40 clicks from one address in a minute",
        campaign=world.deal.campaign,
        creator=world.deal.creator,
    )
    return world, client_for(user, org), flag


def test_operator_console_lists_disputes_by_deadline_runs_and_flags(
    console: tuple[World, Client, FraudFlag], operator: tuple[Organization, User]
) -> None:
    world, browser, flag = console
    deal = world.deal
    late = disputes.open_dispute(
        deal.brand_as(), target_type="milestone", target_id=world.publish.pk, reason="not_as_agreed", statement="No."
    )
    other = build_world()
    clock.set_now(NOW - timedelta(hours=30))  # opened earlier, so it must be answered earlier
    soon = disputes.open_dispute(
        other.deal.brand_as(),
        target_type="milestone",
        target_id=other.publish.pk,
        reason="not_as_agreed",
        statement="Wrong product.",
    )
    clock.set_now(NOW)
    payouts.add_method(
        deal.creator_as(), kind="sepa", account_holder="Cas Creator", iban="NL91ABNA0417164300", make_default=True
    )
    payouts.add_debtor(name="Accord Platform B.V.", iban="NL02ABNA0123456789", bic="ABNANL2A", currency="EUR")
    run = payouts.operator_run(principal(*operator), "EUR")

    html = page(browser)
    assert 'id="operator-console"' in html
    order = [int(i) for i in re.findall(r'data-dispute="(\d+)"', html)]
    assert order == [soon.pk, late.pk]
    assert soon.response_due_at < late.response_due_at
    assert money(100_000, "EUR") in cell(html, "dispute", late.pk)  # the frozen publish milestone
    run_row = cell(html, "run", run.pk)
    files = list(PayoutFile.objects.filter(run=run))
    for f in files:
        assert f'href="/payouts/operator/files/{f.pk}/"' in run_row and f.filename in run_row
    if not files:
        assert "No file" in run_row
    flag_item = cell(html, "flag", flag.pk)
    assert "Click burst" in flag_item and "40 clicks from one address" in flag_item
    assert 'hx-get="/console/ledger/"' in html


def test_operator_clears_a_flag_with_a_reason(console: tuple[World, Client, FraudFlag]) -> None:
    _, browser, flag = console
    refused = browser.post(f"/console/flags/{flag.pk}/clear/", {"note": ""}, follow=True)
    assert "Say why the flag is cleared." in refused.content.decode()
    flag.refresh_from_db()
    assert flag.excluded
    done = browser.post(f"/console/flags/{flag.pk}/clear/", {"note": "Office network, checked"}, follow=True)
    assert "Flag cleared" in done.content.decode()
    flag.refresh_from_db()
    assert not flag.excluded and flag.clear_note == "Office network, checked"
    assert AuditRecord.objects.filter(action="tracking.fraud_flag_cleared", target_id=str(flag.pk)).count() == 1
    assert f'data-flag="{flag.pk}"' not in done.content.decode()


def test_audit_log_pages_filters_and_verifies_the_chain(console: tuple[World, Client, FraudFlag]) -> None:
    _, browser, flag = console
    browser.post(f"/console/flags/{flag.pk}/clear/", {"note": "checked"})
    everything = AuditRecord.objects.count()
    assert everything > 1
    html = page(browser, "/console/audit/")
    assert 'id="audit-log"' in html and len(re.findall(r'data-seq="', html)) == min(everything, 50)
    filtered = page(browser, "/console/audit/?action=tracking.")
    tracking_actions = AuditRecord.objects.filter(action__startswith="tracking.").order_by("-seq")
    assert re.findall(r"<code>([^<]+)</code>", filtered) == list(tracking_actions.values_list("action", flat=True))
    assert "tracking.fraud_flag_cleared" in filtered and "<code>payouts." not in filtered
    by_actor = page(browser, "/console/audit/?actor=ops@accord")
    mine = AuditRecord.objects.filter(actor_label__icontains="ops@accord").order_by("-seq")
    assert re.findall(r"<code>([^<]+)</code>", by_actor) == list(mine.values_list("action", flat=True))
    assert "tracking.fraud_flag_cleared" in by_actor and 0 < mine.count() < everything
    verified = page(browser, "/console/audit/?verify=1")
    assert f"Intact: {everything} records checked" in verified
    last = AuditRecord.objects.order_by("-seq").first()
    assert last is not None
    AuditRecord.objects.filter(pk=last.pk).update(actor_label="someone else")  # tamper with history
    broken = page(browser, "/console/audit/?verify=1")
    assert f"Broken at record #{last.seq}" in broken


def test_ledger_status_checks_the_trial_balance(console: tuple[World, Client, FraudFlag]) -> None:
    _, browser, _ = console
    partial = browser.get("/console/ledger/", HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="ledger-panel">')
    assert f'data-k="accounts">{Account.objects.count()}<' in partial
    assert "Zero in every currency" in partial and "Consistent" in partial
    assert "<h1>" in page(browser, "/console/ledger/")  # without htmx: a whole page


@pytest.mark.parametrize("url", ["/console/audit/", "/console/ledger/"])
def test_console_pages_are_for_operators_only(world: World, url: str) -> None:
    deal = world.deal
    for org in (deal.brand, deal.creator):
        for role in (Role.OWNER, Role.VIEWER):
            user = org.memberships.filter(role=role).first().user  # type: ignore[union-attr]
            assert client_for(user, org).get(url).status_code == 403
    assert Client().get(url).status_code == 302  # signed out: to the sign-in page


def test_only_operators_clear_flags(console: tuple[World, Client, FraudFlag]) -> None:
    world, _, flag = console
    brand = client_for(owner(world.deal.brand), world.deal.brand)
    assert brand.post(f"/console/flags/{flag.pk}/clear/", {"note": "mine"}).status_code == 403
    flag.refresh_from_db()
    assert flag.excluded


def test_signed_out_visitors_go_to_sign_in() -> None:
    assert Client().get("/")["Location"].startswith("/accounts/login/")


# -- language --------------------------------------------------------------------------------------------------------


def test_dashboards_speak_dutch_with_dutch_amounts_and_dates(world: World) -> None:
    """Requests switch the active language; the override puts the test's language back afterwards."""
    from django.utils import translation

    with translation.override("en"):
        _dutch_pages(world)


def _dutch_pages(world: World) -> None:
    from django.utils import translation

    deal = world.deal
    brand = client_for(owner(deal.brand), deal.brand, **{"Accept-Language": "nl"})
    html = page(brand)
    with translation.override("nl"):
        budget = money(2_000_000, "EUR")
        day = date_format(NOW.date() - timedelta(days=1), "MONTH_DAY_FORMAT")
    with translation.override("en"):
        assert budget != money(2_000_000, "EUR")  # Dutch amounts differ from English ones
    assert 'lang="nl"' in html and "Campagnes en escrow" in html and "Wacht op jouw beoordeling" in html
    assert budget in cell(html, "campaign", deal.campaign.pk)
    assert ">Besteding tegenover budget</title>" in html and f"Budget: {budget}" in html
    assert f'<th scope="row">{day}</th><td>60</td><td>2</td>' in html  # "9 november" in the charts' data table
    assert "4,00×" in html  # the ROAS with a decimal comma
    creator = page(client_for(owner(deal.creator), deal.creator, **{"Accept-Language": "nl"}))
    assert "Verdiensten" in creator and "ongelezen berichten" in creator
