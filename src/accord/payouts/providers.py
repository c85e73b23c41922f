"""Payout providers behind one protocol: ``manual`` (a SEPA pain.001 file the operator uploads to the bank, the
default) and ``stripe`` (Stripe Connect Transfers to the creator's connected account, official ``stripe`` package).

A provider turns processing payouts into ``Submission``s; the service persists each one in its own database
transaction. Every external call carries an idempotency key derived from the payout id, so a run that dies after the
provider accepted a payout but before we recorded it asks again and gets the same answer (Stripe replays the first
response for a repeated ``Idempotency-Key``) instead of paying twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, ClassVar, Literal, Protocol

import stripe
from django.conf import settings

from accord.core.money import exponent
from accord.payouts import sepa

if TYPE_CHECKING:
    from accord.payouts.models import DebtorAccount, PayoutRun

Status = Literal["submitted", "paid", "failed", "retry"]


@dataclass(frozen=True)
class PayoutItem:
    """What a provider needs of one processing payout (read in bulk, no model instances)."""

    id: int
    organization_id: int
    amount: int
    currency: str
    slot_date: date
    account_holder: str
    iban: str
    bic: str
    stripe_account_id: str

    @property
    def end_to_end_id(self) -> str:
        return f"ACCORD-PAYOUT-{self.id}"  # same as Payout.end_to_end_id


@dataclass(frozen=True)
class GeneratedFile:
    debtor_id: int
    bank_file: sepa.BankFile
    filename: str


@dataclass(frozen=True)
class Submission:
    payout_ids: list[int]
    status: Status  # submitted: handed over, awaiting confirmation; paid: provider confirmed; failed; retry later
    reference: str = ""
    reason: str = ""
    file: GeneratedFile | None = None
    details: dict[str, object] = field(default_factory=dict)


class PayoutProvider(Protocol):
    name: ClassVar[str]

    def submit(self, run: PayoutRun, payouts: Sequence[PayoutItem]) -> Iterator[Submission]:
        """Hand ``payouts`` (all processing, money in transit, same currency) to the provider."""
        ...


class ManualProvider:
    """One pain.001.001.03 file per currency and debtor account; payouts stay processing until marked paid."""

    name: ClassVar[str] = "manual"

    def __init__(self, debtors: dict[str, DebtorAccount] | None = None) -> None:
        self._debtors = debtors

    def debtor_for(self, currency: str) -> DebtorAccount | None:
        if self._debtors is not None:
            return self._debtors.get(currency)
        from accord.payouts.models import DebtorAccount

        return DebtorAccount.objects.filter(currency=currency, active=True).first()

    def submit(self, run: PayoutRun, payouts: Sequence[PayoutItem]) -> Iterator[Submission]:
        if not payouts:
            return
        ids = [p.id for p in payouts]
        if exponent(run.currency) != 2:
            yield Submission(ids, "failed", reason=f"SEPA files need a currency with two decimals, not {run.currency}")
            return
        debtor = self.debtor_for(run.currency)
        if debtor is None:
            yield Submission(ids, "failed", reason=f"no active debtor bank account for {run.currency} is configured")
            return
        payments = [
            sepa.Payment(
                end_to_end_id=p.end_to_end_id,
                name=p.account_holder,
                iban=p.iban,
                bic=p.bic,
                amount=p.amount,
                description=f"Accord payout {p.id} for {p.slot_date.isoformat()}",
            )
            for p in payouts
        ]
        bank_file = sepa.build(
            sepa.Debtor(debtor.name, debtor.iban, debtor.bic, run.currency), payments, run.run_date, check=True
        )
        filename = f"accord-payouts-{run.currency}-{run.run_date.isoformat()}-run{run.pk}-debtor{debtor.pk}.xml"
        yield Submission(
            ids, "submitted", reference=bank_file.message_id, file=GeneratedFile(debtor.pk, bank_file, filename)
        )


# Stripe errors that will not go away by asking again: the payout fails and its money returns to payable.
_PERMANENT = (stripe.InvalidRequestError, stripe.PermissionError, stripe.CardError, stripe.IdempotencyError)


class StripeProvider:
    """Stripe Connect: one Transfer per payout to the creator's connected account (``acct_…``)."""

    name: ClassVar[str] = "stripe"

    def __init__(self, client: stripe.StripeClient | None = None) -> None:
        self._client = client

    @property
    def client(self) -> stripe.StripeClient | None:
        if self._client is None:
            key = settings.ACCORD_STRIPE_API_KEY
            if key:
                self._client = stripe.StripeClient(key, max_network_retries=2)
        return self._client

    @staticmethod
    def idempotency_key(payout_id: int) -> str:
        return f"accord-payout-{payout_id}"

    def submit(self, run: PayoutRun, payouts: Sequence[PayoutItem]) -> Iterator[Submission]:
        client = self.client
        for p in payouts:
            if client is None:
                yield Submission([p.id], "failed", reason="Stripe is not configured (ACCORD_STRIPE_API_KEY)")
                continue
            try:
                transfer = client.v1.transfers.create(
                    params={
                        "amount": p.amount,
                        "currency": p.currency.lower(),
                        "destination": p.stripe_account_id,
                        "transfer_group": f"accord-run-{run.pk}",
                        "description": f"Accord payout {p.id}",
                        "metadata": {"payout_id": str(p.id), "organization_id": str(p.organization_id)},
                    },
                    options={"idempotency_key": self.idempotency_key(p.id)},
                )
            except _PERMANENT as exc:
                yield Submission([p.id], "failed", reason=f"Stripe refused the transfer: {exc.user_message or exc}")
            except stripe.StripeError as exc:  # network, rate limit, Stripe 5xx: try again on the next resume
                yield Submission([p.id], "retry", reason=f"Stripe is unavailable: {exc.user_message or exc}")
            else:
                # A Transfer moves the money to the connected account at once; Stripe then pays the creator out.
                yield Submission([p.id], "paid", reference=transfer.id, details={"destination": transfer.destination})


def default_providers() -> dict[str, PayoutProvider]:
    return {ManualProvider.name: ManualProvider(), StripeProvider.name: StripeProvider()}
