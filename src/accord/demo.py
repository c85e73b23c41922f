"""``accord demo``: one complete collaboration through the real services, printed as a readable report.

Campaign, values check, invitation, counter-offer, both signatures, funding, submission, changes requested,
resubmission, approval and release, silence auto-approved after the review window, an hourly timesheet, and a payout
run. Money is shown after every step; at the end the ledger and audit chain are verified and the books are checked
against what the story says should have happened. ``run`` returns the list of broken invariants (empty: all good).
The clock is pinned to a fixed Monday so the report is the same every time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from accord.accounts import services as accounts
from accord.accounts.auth import Principal
from accord.accounts.models import Organization, Role, User
from accord.campaigns import services as campaigns
from accord.contracts import services as contracts
from accord.contracts.terms import example_terms, stored_hash
from accord.core import audit, clock
from accord.core.errors import DomainError
from accord.core.money import Money
from accord.creators.models import CreatorProfile
from accord.escrow import services as escrow
from accord.escrow.models import EscrowHold
from accord.ledger import services as ledger
from accord.ledger.verify import verify

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
PASSWORD = "accord-demo-2026"
Out = Callable[[str], None]


def _eur(amount: int) -> str:
    return Money(amount, "EUR").format()


class _Story:
    def __init__(self, out: Out, tag: str) -> None:
        self.out, self.tag, self.step = out, tag, 0
        self.problems: list[str] = []

    def title(self, text: str) -> None:
        self.step += 1
        self.out("")
        self.out(f"{self.step:>2}. {text}")

    def say(self, text: str) -> None:
        self.out(f"    {text}")

    def check(self, ok: bool, what: str) -> None:
        if not ok:
            self.problems.append(what)
            self.out(f"    !! INVARIANT BROKEN: {what}")

    def principal(self, org: Organization, user: User) -> Principal:
        return Principal(organization=org, role=Role.OWNER, user=user)


def _money_line(story: _Story, campaign_id: int, creator_id: int) -> None:
    esc = ledger.balances(ledger.escrow_code(campaign_id), "EUR")
    payable = ledger.balances(ledger.creator_payable_code(creator_id), "EUR")
    fees = ledger.balances(ledger.PLATFORM_FEES, "EUR")
    story.say(
        f"money: escrow {_eur(esc.balance)} (held {_eur(esc.pending_out)}, free {_eur(esc.available)}) · "
        f"creator payable {_eur(payable.balance)} · platform fees {_eur(fees.balance)}"
    )


def run(out: Out = print, tag: str = "") -> list[str]:
    """Play the collaboration; return the broken invariants (empty when everything holds)."""
    previous = clock.now() if clock._fixed is not None else None
    clock.set_now(START)
    try:
        return _play(_Story(out, tag or START.strftime("%Y%m%d")))
    finally:
        clock.set_now(previous)


def _play(story: _Story) -> list[str]:
    tag = story.tag
    # -- people -----------------------------------------------------------------------------------------------------
    story.title("People sign up")
    operator_user = accounts.create_operator(
        email=f"operator+{tag}@demo.accord", password=PASSWORD, name="Olga Operator"
    )
    operator_org = Organization.objects.filter(kind=Organization.Kind.OPERATOR).order_by("id").first()
    assert operator_org is not None
    operator = story.principal(operator_org, operator_user)
    brand_user, brand_org = accounts.sign_up(
        email=f"bea+{tag}@noordzee.demo",
        password=PASSWORD,
        name="Bea Brand",
        organization_name=f"Noordzee Outdoor {tag}",
        kind=Organization.Kind.BRAND,
        country="NL",
    )
    creator_user, creator_org = accounts.sign_up(
        email=f"cas+{tag}@creator.demo",
        password=PASSWORD,
        name="Cas Creator",
        organization_name=f"Cas Outdoors {tag}",
        kind=Organization.Kind.CREATOR,
        country="NL",
    )
    sober_user, sober_org = accounts.sign_up(
        email=f"sam+{tag}@creator.demo",
        password=PASSWORD,
        name="Sam Sober",
        organization_name=f"Sam Sober {tag}",
        kind=Organization.Kind.CREATOR,
        country="BE",
    )
    CreatorProfile.objects.create(organization=creator_org, display_name="Cas Outdoors", no_go_categories=["gambling"])
    CreatorProfile.objects.create(organization=sober_org, display_name="Sam Sober", no_go_categories=["alcohol"])
    brand = story.principal(brand_org, brand_user)
    creator = story.principal(creator_org, creator_user)
    sober = story.principal(sober_org, sober_user)
    story.say(f"brand {brand_org.name} ({brand_user.email}), creators {creator_org.name} and {sober_org.name}")
    story.say(f"operator {operator_user.email}")

    # -- campaign ---------------------------------------------------------------------------------------------------
    story.title("The brand writes a campaign brief and opens it")
    campaign = campaigns.create_campaign(
        brand,
        name="Spring hiking launch",
        currency="EUR",
        budget=500_000,
        platforms=["instagram"],
        goals="Show the new rain jacket on real hikes",
        key_messages="Dry, light, repairable",
        description="Hike to the dunes, then toast at our beer garden.",
        dos="Show it in the rain",
        donts="No staged studio shots",
        target={"countries": ["NL", "BE"], "age_bands": ["25-34"]},
        open_for_applications=True,
    )
    campaign = campaigns.transition(brand, campaign.pk, "open")
    story.say(f"campaign #{campaign.pk} '{campaign.name}' is {campaign.status}, budget {_eur(campaign.budget)}")
    deposit = escrow.start_deposit(brand, campaign_id=campaign.pk, amount=400_000, key=f"demo-deposit-{tag}")
    escrow.confirm_deposit(operator, deposit_id=deposit.pk, provider_ref=f"BANK-{tag}")
    story.say(f"brand wires {_eur(deposit.amount)} with reference {deposit.reference}; the operator confirms receipt")
    _money_line(story, campaign.pk, creator_org.pk)

    # -- values check -----------------------------------------------------------------------------------------------
    story.title("Values check before inviting")
    try:
        contracts.send_offer(brand, campaign_id=campaign.pk, creator_org_id=sober_org.pk, terms=example_terms())
        story.check(False, "an offer to a creator who refuses alcohol went out for a brief about a beer garden")
    except DomainError as exc:
        story.say(f"offer to {sober_org.name} blocked: {exc.message}")
    story.check(not contracts.values_conflicts(campaign, creator_org), "Cas should have no values conflict")
    story.say(f"{creator_org.name} refuses gambling only: no conflict")
    del sober

    # -- negotiation ------------------------------------------------------------------------------------------------
    story.title("Invitation, counter-offer and signatures")
    terms = example_terms("EUR", clock.today())
    terms["review_window_days"] = 7
    contract = contracts.send_offer(
        brand, campaign_id=campaign.pk, creator_org_id=creator_org.pk, terms=terms, message="Join our spring launch?"
    )
    story.say(f"brand offers contract #{contract.pk}: concept {_eur(50_000)} + published reel {_eur(100_000)}")
    counter_terms = example_terms("EUR", clock.today())
    counter_terms["review_window_days"] = 7
    counter_terms["payment"]["milestones"][1]["amount"] = 120_000
    counter_terms["max_change_rounds"] = 1
    version = contracts.counter(creator, contract.pk, terms=counter_terms, message="Reels take two shoot days")
    story.say(f"creator counters with v{version.number}; changes:")
    for change in version.diff:
        story.say(f"  {change['field']}: {change['before']} -> {change['after']}")
    contracts.sign(brand, contract.pk, typed_name="Bea Brand", version_number=version.number, ip="203.0.113.10")
    contracts.sign(creator, contract.pk, typed_name="Cas Creator", version_number=version.number, ip="198.51.100.4")
    contract.refresh_from_db()
    story.say(f"both sign v{version.number}: contract is {contract.status}; terms SHA-256 {version.terms_sha256}")
    story.check(stored_hash(version.terms) == version.terms_sha256, "the signed terms no longer match their hash")
    concept = contract.milestones.get(key="concept")
    publish = contract.milestones.get(key="publish")

    # -- milestones -------------------------------------------------------------------------------------------------
    story.title("The brand funds both milestones (escrow holds)")
    contracts.fund_milestone(brand, concept.pk, key=f"demo-fund-concept-{tag}")
    contracts.fund_milestone(brand, publish.pk, key=f"demo-fund-publish-{tag}")
    contract.refresh_from_db()
    story.say(f"contract is {contract.status}; the creator sees both milestones funded before starting")
    _money_line(story, campaign.pk, creator_org.pk)

    story.title("Concept: submitted, changes requested, resubmitted, approved, released")
    first = contracts.submit(
        creator, concept.pk, post_url="https://instagram.com/p/demo-draft", caption="Dune hike in the rain!"
    )
    story.say(
        f"round {first.round}: disclosure {'ok' if first.disclosure_ok else 'MISSING'} ({first.disclosure_country})"
    )
    try:
        contracts.approve(brand, concept.pk, key=f"demo-approve-concept-{tag}")
        story.check(False, "approval went through without the ad disclosure the terms require")
    except DomainError as exc:
        story.say(f"brand cannot approve yet: {exc.message}")
    contracts.request_changes(brand, concept.pk, comment="Please add #advertentie and show the hood")
    story.say("brand requests changes (round 1 of 1)")
    second = contracts.submit(
        creator,
        concept.pk,
        post_url="https://instagram.com/p/demo-concept",
        caption="Hood up in the dunes #advertentie",
    )
    found = ", ".join(second.disclosure_found)
    story.say(f"round {second.round}: disclosure {'ok: ' + found if second.disclosure_ok else 'MISSING'}")
    released = contracts.approve(brand, concept.pk, key=f"demo-approve-concept-{tag}", comment="Perfect")
    assert released.escrow_hold is not None
    fee = released.escrow_hold.fee_amount
    gross = released.released_amount
    story.say(f"approved and released {_eur(gross)}: creator {_eur(gross - fee)}, fee {_eur(fee)}")
    _money_line(story, campaign.pk, creator_org.pk)

    story.title("Published reel: the brand stays silent past the 7-day review window")
    contracts.submit(creator, publish.pk, post_url="https://instagram.com/p/demo-reel", caption="Spring is here #ad")
    clock.advance(timedelta(days=7, seconds=1))
    approved = contracts.auto_approve_due()
    publish.refresh_from_db()
    story.say(
        f"{clock.now():%Y-%m-%d}: auto-approval job approved {len(approved)} milestone(s); reel is {publish.status}"
    )
    story.check(publish.status == "released" and publish.auto_approved, "silence did not auto-approve the reel")
    contract.refresh_from_db()
    story.say(f"contract is {contract.status}")
    story.check(contract.status == "completed", "the contract should be completed once every milestone is released")
    _money_line(story, campaign.pk, creator_org.pk)

    # -- hourly -----------------------------------------------------------------------------------------------------
    story.title("An hourly contract: time logged, timesheet queried, approved and paid")
    hourly_terms = example_terms("EUR", clock.today())
    hourly_terms["payment"] = {"kind": "hourly", "rate": 6_000, "cap": 30_000}
    hourly = contracts.send_offer(brand, campaign_id=campaign.pk, creator_org_id=creator_org.pk, terms=hourly_terms)
    contracts.sign(brand, hourly.pk, typed_name="Bea Brand", version_number=1)
    contracts.sign(creator, hourly.pk, typed_name="Cas Creator", version_number=1)
    budget = hourly.milestones.get()
    contracts.fund_milestone(brand, budget.pk, key=f"demo-fund-hourly-{tag}")
    story.say(f"contract #{hourly.pk}: {_eur(6_000)}/hour, capped at {_eur(30_000)}; budget held in escrow")
    entry = contracts.log_time(creator, hourly.pk, work_date=clock.today(), minutes=150, note="Edit the reel")
    contracts.log_time(creator, hourly.pk, work_date=clock.today(), minutes=30, note="Captions")
    sheet = contracts.submit_timesheet(creator, entry.timesheet_id)
    contracts.query_timesheet(brand, sheet.pk, comment="What were the captions for?")
    contracts.submit_timesheet(creator, sheet.pk)
    sheet = contracts.approve_timesheet(brand, sheet.pk, key=f"demo-timesheet-{tag}")
    story.say(f"week of {sheet.week_start}: {sheet.minutes} min approved -> {_eur(sheet.amount)} released")
    story.check(sheet.amount == 18_000, "3 hours at 60.00 should release 180.00")
    contracts.finish_hourly(brand, hourly.pk, key=f"demo-finish-{tag}")
    hourly.refresh_from_db()
    story.say(
        f"brand finishes the hourly work: {_eur(12_000)} unused budget back to free escrow; contract {hourly.status}"
    )
    story.check(hourly.status == "completed", "the hourly contract should be completed")
    _money_line(story, campaign.pk, creator_org.pk)

    # -- payout -----------------------------------------------------------------------------------------------------
    story.title("Payout run")
    from accord.payouts import services as payouts
    from accord.payouts.models import Payout

    payouts.add_debtor(name="Accord Escrow BV", iban="NL91ABNA0417164300", bic="ABNANL2A", currency="EUR")
    payouts.add_method(creator, kind="sepa", account_holder="Cas Creator", iban="NL20INGB0001234567", bic="INGBNL2A")
    payouts.set_schedule(creator, frequency="weekly", weekday=clock.today().weekday(), thresholds={"EUR": 0})
    payable_before = ledger.balances(ledger.creator_payable_code(creator_org.pk), "EUR").balance
    run = payouts.run_payouts("EUR", clock.today(), started_by=operator.label)
    paid = list(Payout.objects.filter(run=run, organization=creator_org))
    for payout in paid:
        payouts.mark_paid(operator, payout.pk, reference=f"SEPA-{tag}")
    total_paid = sum(p.amount for p in paid)
    story.say(
        f"run #{run.pk} ({run.state}): {len(paid)} payout(s) to {creator_org.name}, {_eur(total_paid)}, marked paid"
    )
    story.check(total_paid == payable_before, "the payout should pay everything that was payable")
    _money_line(story, campaign.pk, creator_org.pk)

    # -- checks -----------------------------------------------------------------------------------------------------
    story.title("Invariants")
    problems = verify()
    for problem in problems:
        story.check(False, f"ledger: {problem.message}")
    story.say("ledger verify: " + ("ok" if not problems else f"{len(problems)} problem(s)"))
    broken = [item for item in audit.verify() if isinstance(item, audit.AuditProblem)]
    for item in broken:
        story.check(False, f"audit chain: {item.reason}")
    story.say("audit chain: " + ("ok" if not broken else "BROKEN"))
    released_total = 50_000 + 120_000 + 18_000
    esc = ledger.balances(ledger.escrow_code(campaign.pk), "EUR")
    story.check(
        esc.balance == 400_000 - released_total, f"escrow should hold {400_000 - released_total}, has {esc.balance}"
    )
    story.check(esc.pending_out == 0, "nothing should be held once every contract is completed")
    fees = sum(h.fee_amount for h in EscrowHold.objects.filter(campaign=campaign, release_transaction__isnull=False))
    story.check(total_paid + fees == released_total, "payouts plus fees should equal everything released")
    story.check(ledger.balances(ledger.creator_payable_code(creator_org.pk), "EUR").balance == 0, "payable left over")
    summary: dict[str, Any] = {"released": released_total, "fees": fees, "paid_out": total_paid}
    story.say(f"released {_eur(summary['released'])} = paid out {_eur(total_paid)} + platform fees {_eur(fees)}")
    story.out("")
    story.out(
        "DEMO OK: every invariant holds." if not story.problems else f"DEMO FAILED: {len(story.problems)} problem(s)"
    )
    return story.problems
