"""The payout web pages through Django's test client: roles, forms, tenancy and double-submit safety."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import Client

from accord.accounts.models import Organization, Role, User
from accord.accounts.services import create_operator
from accord.core import clock
from accord.core.models import AuditRecord
from accord.ledger.models import Account, Transaction
from accord.payouts import services
from accord.payouts.models import Payout, PayoutFile, PayoutMethod, PayoutRun, PayoutSchedule
from tests.conftest import add_member, client_for, make_org
from tests.payouts.helpers import (
    DEBTOR_IBAN,
    assert_ledger_ok,
    creator,
    fund,
    in_transit,
    owner_principal,
    payable,
)

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
NONCE = re.compile(r'name="nonce" value="([0-9a-f]{32})"')
pytestmark = pytest.mark.django_db

CREATOR_PAGES = [
    "/payouts/",
    "/payouts/methods/",
    "/payouts/schedule/",
    "/payouts/request/",
    "/payouts/history/",
    "/payouts/statements/",
]
OPERATOR_PAGES = ["/payouts/operator/", "/payouts/operator/run/?currency=EUR", "/payouts/operator/ledger/"]


@pytest.fixture(autouse=True)
def _setup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACCORD_STRIPE_SECRET_KEY", raising=False)
    clock.set_now(MONDAY)
    services.add_debtor(name="Accord Platform B.V.", iban=DEBTOR_IBAN, bic="ABNANL2A", currency="EUR")


def owner_of(org: Organization) -> User:
    return org.memberships.get(role=Role.OWNER).user


def as_owner(org: Organization) -> Client:
    return client_for(owner_of(org), org)


def as_operator() -> Client:
    user = create_operator(email="ops@accord.test", password="operator-password-1")
    return client_for(user, Organization.objects.get(kind=Organization.Kind.OPERATOR))


def nonce_of(response: object) -> str:
    found = NONCE.search(response.content.decode())  # type: ignore[attr-defined]
    assert found, "the confirmation form carries a nonce"
    return found.group(1)


def audits(action: str) -> int:
    return AuditRecord.objects.filter(action=action).count()


def flash(response: object) -> list[str]:
    return [str(m) for m in response.context["messages"]]  # type: ignore[attr-defined]


def test_every_creator_page_renders_with_balances_and_the_next_payout() -> None:
    org = creator(5000)  # weekly on Mondays: today's run pays it, promised two business days later
    c = as_owner(org)
    for url in CREATOR_PAGES:
        assert c.get(url).status_code == 200, url
    page = c.get("/payouts/").content.decode()
    assert "€50.00" in page
    assert "2026-11-23" in page or "Nov. 23, 2026" in page
    assert "2026-11-25" in page or "Nov. 25, 2026" in page
    viewer = client_for(add_member(org, Role.VIEWER), org)
    for url in CREATOR_PAGES:
        assert viewer.get(url).status_code == 200, url


def test_lateness_of_past_payouts_is_visible() -> None:
    org = creator(5000)
    services.run_payouts("EUR")
    clock.set_now(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))  # promised the 25th, still processing
    page = as_owner(org).get("/payouts/").content.decode()
    assert "5 days late" in page
    history = as_owner(org).get("/payouts/history/").content.decode()
    assert "5 days late" in history


def test_payout_methods_validate_on_the_fields_and_confirm_removal() -> None:
    org = creator(method="none")
    c = as_owner(org)
    bad = c.post("/payouts/methods/", {"kind": "sepa", "sepa-account_holder": "Jane Doe", "sepa-iban": "DE00123"})
    assert bad.status_code == 400
    assert bad.context["sepa_form"].errors["iban"][0].startswith("not a valid IBAN")
    assert "not a valid IBAN" in bad.content.decode()
    bad_stripe = c.post("/payouts/methods/", {"kind": "stripe", "stripe-stripe_account_id": "nope"})
    assert "stripe_account_id" in bad_stripe.context["stripe_form"].errors
    assert not PayoutMethod.objects.filter(organization=org).exists()

    ok = c.post("/payouts/methods/", {"kind": "sepa", "sepa-account_holder": "Jane", "sepa-iban": "NL91ABNA0417164300"})
    assert ok.status_code == 302
    stripe = c.post("/payouts/methods/", {"kind": "stripe", "stripe-stripe_account_id": "acct_1PagesTest01"})
    assert stripe.status_code == 302
    sepa_method, stripe_method = PayoutMethod.objects.filter(organization=org).order_by("id")
    assert sepa_method.is_default and not stripe_method.is_default
    listing = c.get("/payouts/methods/").content.decode()
    assert "NL91 **** **** **43 00" in listing and "NL91ABNA0417164300" not in listing  # only masked

    assert c.post(f"/payouts/methods/{stripe_method.pk}/default/").status_code == 302
    stripe_method.refresh_from_db()
    assert stripe_method.is_default

    confirm = c.get(f"/payouts/methods/{stripe_method.pk}/remove/")
    assert confirm.status_code == 200 and "Yes, remove it" in confirm.content.decode()
    stripe_method.refresh_from_db()
    assert stripe_method.removed_at is None  # the GET only asks
    assert c.post(f"/payouts/methods/{stripe_method.pk}/remove/").status_code == 302
    stripe_method.refresh_from_db()
    sepa_method.refresh_from_db()
    assert stripe_method.removed_at is not None and sepa_method.is_default


def test_a_viewer_cannot_change_payout_methods() -> None:
    org = creator(method="none")
    viewer = client_for(add_member(org, Role.VIEWER), org)
    refused = viewer.post(
        "/payouts/methods/", {"kind": "sepa", "sepa-account_holder": "Jane", "sepa-iban": "NL91ABNA0417164300"}
    )
    assert refused.status_code == 400 and "admin role" in refused.content.decode()
    assert not PayoutMethod.objects.filter(organization=org).exists()


def test_schedule_form_saves_frequency_and_thresholds_and_shows_errors() -> None:
    org = creator()
    c = as_owner(org)
    bad = c.post("/payouts/schedule/", {"frequency": "monthly", "weekday": "0", "biweekly_parity": "0",
                                        "day_of_month": "40", "threshold_EUR": "abc"})  # fmt: skip
    assert bad.status_code == 200
    assert set(bad.context["form"].errors) == {"day_of_month", "threshold_EUR"}
    ok = c.post("/payouts/schedule/", {"frequency": "monthly", "weekday": "0", "biweekly_parity": "0",
                                       "day_of_month": "15", "threshold_EUR": "25.00"})  # fmt: skip
    assert ok.status_code == 302
    sched = PayoutSchedule.objects.get(organization=org)
    assert (sched.frequency, sched.day_of_month, sched.thresholds) == ("monthly", 15, {"EUR": 2500})
    page = c.get("/payouts/schedule/").content.decode()
    assert "25.00" in page
    assert "Dec. 15, 2026" in page  # the next monthly run, on the 15th
    assert "Week A: the week of Nov. 23, 2026" in page or "Week B: the week of Nov. 23, 2026" in page


def test_on_demand_request_is_confirmed_and_a_replayed_post_requests_nothing() -> None:
    org = creator(4000, frequency="on_demand")
    c = as_owner(org)
    page = c.get("/payouts/request/")
    assert "Yes, pay me in the next run" in page.content.decode()
    nonce = nonce_of(page)
    first = c.post("/payouts/request/", {"nonce": nonce}, follow=True)
    assert "Payout requested" in " ".join(flash(first))
    sched = PayoutSchedule.objects.get(organization=org)
    assert sched.on_demand_requested_at == MONDAY

    run = services.run_payouts("EUR")  # pays the request and clears it
    assert Payout.objects.filter(run=run, organization=org).count() == 1
    assert payable(org) == 0

    clock.set_now(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    fund(org, 3000)
    again = c.post("/payouts/request/", {"nonce": nonce}, follow=True)  # the same form submitted again
    assert "already submitted" in " ".join(flash(again))
    sched.refresh_from_db()
    assert sched.on_demand_requested_at is None  # nothing was requested twice
    assert audits("payouts.requested") == 1
    assert c.post("/payouts/request/", {"nonce": "not-a-nonce"}).status_code == 302
    sched.refresh_from_db()
    assert sched.on_demand_requested_at is None


def test_a_refused_request_releases_its_nonce_for_a_retry() -> None:
    org = creator(4000)  # weekly: requests are refused
    c = as_owner(org)
    assert "Switch to" in c.get("/payouts/request/").content.decode()  # no request form on a weekly schedule
    nonce = "a" * 32  # a form left open from when the schedule was on demand
    refused = c.post("/payouts/request/", {"nonce": nonce}, follow=True)
    assert "only on-demand schedules" in " ".join(flash(refused))
    services.set_schedule(owner_principal(org), frequency="on_demand")
    retried = c.post("/payouts/request/", {"nonce": nonce}, follow=True)
    assert "Payout requested" in " ".join(flash(retried))
    assert PayoutSchedule.objects.get(organization=org).on_demand_requested_at == MONDAY


def test_operator_runs_payouts_once_downloads_the_file_and_marks_results_once() -> None:
    a, b, d = creator(5000), creator(6000), creator(7000)
    op = as_operator()
    for url in OPERATOR_PAGES:
        assert op.get(url).status_code == 200, url
    assert "Run EUR payouts" in op.get("/payouts/operator/").content.decode()

    nonce = nonce_of(op.get("/payouts/operator/run/?currency=EUR"))
    first = op.post("/payouts/operator/run/", {"nonce": nonce, "currency": "EUR"})
    run = PayoutRun.objects.get()
    assert first.status_code == 302 and first["Location"] == f"/payouts/operator/runs/{run.pk}/"
    second = op.post("/payouts/operator/run/", {"nonce": nonce, "currency": "EUR"}, follow=True)
    assert "already submitted" in " ".join(flash(second))
    assert PayoutRun.objects.count() == 1 and audits("payouts.run") == 1
    assert in_transit() == 18000

    detail = op.get(f"/payouts/operator/runs/{run.pk}/").content.decode()
    assert "hx-trigger" not in detail  # a finished run is not polled
    f = PayoutFile.objects.get(run=run)
    assert f.filename in detail and "€180.00" in detail
    download = op.get(f"/payouts/operator/files/{f.pk}/")
    assert download["Content-Type"] == "application/xml" and download.content == bytes(f.content)
    assert audits("payouts.file_downloaded") == 1

    pa = Payout.objects.get(organization=a)
    page = op.get(f"/payouts/operator/payouts/{pa.pk}/paid/")
    assert "Yes, mark it paid" in page.content.decode()
    nonce = nonce_of(page)
    for _ in range(2):
        op.post(f"/payouts/operator/payouts/{pa.pk}/paid/", {"nonce": nonce, "reference": "BANK-1"})
    pa.refresh_from_db()
    assert pa.state == Payout.State.PAID and pa.provider_reference
    assert Transaction.objects.filter(kind="payout_paid").count() == 1
    assert audits("payouts.marked_paid") == 1  # the second submit did not reach the service

    pb = Payout.objects.get(organization=b)
    nonce = nonce_of(op.get(f"/payouts/operator/payouts/{pb.pk}/failed/"))
    missing = op.post(f"/payouts/operator/payouts/{pb.pk}/failed/", {"nonce": nonce, "reason": ""})
    assert missing.status_code == 400 and "reason" in missing.context["form"].errors
    for _ in range(2):
        op.post(f"/payouts/operator/payouts/{pb.pk}/failed/", {"nonce": nonce, "reason": "account closed"})
    pb.refresh_from_db()
    assert pb.state == Payout.State.FAILED and pb.failure_reason == "account closed"
    assert payable(b) == 6000 and audits("payouts.marked_failed") == 1

    nonce = nonce_of(op.get(f"/payouts/operator/files/{f.pk}/paid/"))
    for _ in range(2):
        op.post(f"/payouts/operator/files/{f.pk}/paid/", {"nonce": nonce})
    assert Payout.objects.get(organization=d).state == Payout.State.PAID
    assert audits("payouts.file_paid") == 1
    assert in_transit() == 0
    assert_ledger_ok()


def test_operator_sees_the_ledger_status_and_its_problems() -> None:
    creator(5000)
    op = as_operator()
    ok = op.get("/payouts/operator/ledger/").content.decode()
    assert "OK: every ledger invariant holds." in ok
    Account.objects.filter(code__endswith=":payable").update(balance=1)  # corrupt a cached balance
    broken = op.get("/payouts/operator/ledger/")
    assert broken.context["problems"] and "problem" in broken.content.decode()


def test_statements_download_as_csv_and_pdf_and_validate_the_period() -> None:
    org = creator(5000)
    c = as_owner(org)
    period = {"currency": "EUR", "start": "2026-11-01", "end": "2026-11-30"}
    csv = c.get("/payouts/statements/", {**period, "format": "csv"})
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert "milestone released" in csv.content.decode() and "50.00" in csv.content.decode()
    pdf = c.get("/payouts/statements/", {**period, "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    backwards = c.get("/payouts/statements/", {"currency": "EUR", "start": "2026-11-30", "end": "2026-11-01"})
    assert backwards.status_code == 200 and "end" in backwards.context["form"].errors
    too_long = c.get("/payouts/statements/", {"currency": "EUR", "start": "2024-01-01", "end": "2026-11-30"})
    assert too_long.status_code == 200 and "end" in too_long.context["form"].errors


def test_a_creator_sees_only_their_own_payouts_methods_and_statements() -> None:
    mine, theirs = creator(5000), creator(7700)
    services.run_payouts("EUR")
    their_payout = Payout.objects.get(organization=theirs)
    their_method = PayoutMethod.objects.get(organization=theirs)
    c = as_owner(mine)
    assert c.get(f"/payouts/history/{their_payout.pk}/").status_code == 404
    assert c.get(f"/payouts/history/{Payout.objects.get(organization=mine).pk}/").status_code == 200
    history = c.get("/payouts/history/")
    assert [p.organization_id for p in history.context["page"].object_list] == [mine.pk]
    assert "77.00" not in c.get("/payouts/").content.decode()
    assert c.get(f"/payouts/methods/{their_method.pk}/remove/").status_code == 404
    assert c.post(f"/payouts/methods/{their_method.pk}/remove/").status_code == 404
    assert c.post(f"/payouts/methods/{their_method.pk}/default/").status_code == 404
    their_method.refresh_from_db()
    assert their_method.removed_at is None
    statement = c.get(
        "/payouts/statements/", {"currency": "EUR", "start": "2026-11-01", "end": "2026-11-30", "format": "csv"}
    ).content.decode()
    assert "77.00" not in statement and "50.00" in statement
    assert f"creator:{theirs.pk}:" not in statement


def test_brands_and_non_operators_are_refused() -> None:
    brand, owner = make_org(Organization.Kind.BRAND)
    b = client_for(owner, brand)
    for url in CREATOR_PAGES + OPERATOR_PAGES:
        assert b.get(url).status_code == 403, url
    assert b.post("/payouts/request/", {"nonce": "0" * 32}).status_code == 403

    org = creator(5000)
    c = as_owner(org)
    for url in OPERATOR_PAGES:
        assert c.get(url).status_code == 403, url
    assert c.post("/payouts/operator/run/", {"nonce": "0" * 32, "currency": "EUR"}).status_code == 403
    assert not PayoutRun.objects.exists()

    services.run_payouts("EUR")
    payout = Payout.objects.get()
    assert c.post(f"/payouts/operator/payouts/{payout.pk}/paid/", {"nonce": "1" * 32}).status_code == 403
    assert b.get(f"/payouts/operator/runs/{payout.run_id}/").status_code == 403
    payout.refresh_from_db()
    assert payout.state == Payout.State.PROCESSING

    anonymous = Client()
    assert anonymous.get("/payouts/").status_code == 302
    assert anonymous.get("/payouts/operator/").status_code == 302
    assert as_operator().get("/payouts/")["Location"] == "/payouts/operator/"


def test_an_operator_viewer_sees_runs_but_cannot_move_money() -> None:
    creator(5000)
    run = services.run_payouts("EUR")
    payout = Payout.objects.get()
    create_operator(email="ops@accord.test", password="operator-password-1")
    operator_org = Organization.objects.get(kind=Organization.Kind.OPERATOR)
    viewer = client_for(add_member(operator_org, Role.VIEWER), operator_org)
    assert viewer.get(f"/payouts/operator/runs/{run.pk}/").status_code == 200
    page = viewer.get(f"/payouts/operator/payouts/{payout.pk}/paid/")
    refused = viewer.post(f"/payouts/operator/payouts/{payout.pk}/paid/", {"nonce": nonce_of(page)}, follow=True)
    assert "member role" in " ".join(flash(refused))
    payout.refresh_from_db()
    assert payout.state == Payout.State.PROCESSING and audits("payouts.marked_paid") == 0
    f = PayoutFile.objects.get()
    refused = viewer.post(f"/payouts/operator/files/{f.pk}/paid/", {"nonce": nonce_of(page)}, follow=True)
    assert "member role" in " ".join(flash(refused))
    assert Payout.objects.get().state == Payout.State.PROCESSING
    unfinished = PayoutRun.objects.create(currency="EUR", run_date=clock.today().replace(day=24))
    polled = viewer.get(f"/payouts/operator/runs/{unfinished.pk}/").content.decode()
    assert 'hx-trigger="every 5s"' in polled and "htmx-2.min.js" in polled


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_submits_of_one_form_mark_a_payout_paid_once() -> None:
    org = creator(5000)
    services.run_payouts("EUR")
    payout = Payout.objects.get(organization=org)
    user = create_operator(email="ops@accord.test", password="operator-password-1")
    operator_org = Organization.objects.get(kind=Organization.Kind.OPERATOR)
    clients = [client_for(user, operator_org) for _ in range(4)]
    nonce = nonce_of(clients[0].get(f"/payouts/operator/payouts/{payout.pk}/paid/"))
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []
    errors: list[BaseException] = []

    def submit(c: Client) -> None:
        try:
            barrier.wait()
            statuses.append(c.post(f"/payouts/operator/payouts/{payout.pk}/paid/", {"nonce": nonce}).status_code)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert statuses == [302] * len(clients)
    payout.refresh_from_db()
    assert payout.state == Payout.State.PAID
    assert audits("payouts.marked_paid") == 1
    assert Transaction.objects.filter(kind="payout_paid").count() == 1
    assert in_transit() == 0
    assert_ledger_ok()
