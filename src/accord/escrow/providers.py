"""Payment providers for escrow deposits: a ``PaymentProvider`` protocol and the default ``manual`` bank transfer.

A provider starts a deposit (returns the payment reference and the instructions shown to the brand); receipt is
confirmed later (``manual``: an operator, or a bank-statement import that finds the reference). Pure code: no models.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Protocol

# Crockford-style alphabet: no I, L, O, U, so references survive being typed from a bank statement.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_RE = re.compile(r"(?<![0-9A-Z])ACC[-\s]*([0-9A-HJKMNP-TV-Z]{4})[-\s]*([0-9A-HJKMNP-TV-Z]{4})(?![0-9A-Z])")


@dataclass(frozen=True)
class DepositStart:
    reference: str
    instructions: dict[str, str] = field(default_factory=dict)


class PaymentProvider(Protocol):
    @property
    def name(self) -> str: ...

    def start_deposit(self, *, amount: int, currency: str, campaign_id: int) -> DepositStart:
        """Prepare a deposit; return the reference the payment must carry and how to pay."""
        ...


def new_reference() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"ACC-{raw[:4]}-{raw[4:]}"


def find_reference(text: str) -> str | None:
    """The first deposit reference in free text (bank remittance lines), case- and spacing-tolerant."""
    match = REFERENCE_RE.search(text.upper())
    return f"ACC-{match.group(1)}-{match.group(2)}" if match else None


@dataclass(frozen=True)
class ManualProvider:
    """Bank transfer to the platform's escrow account; the reference ties the payment to the deposit."""

    name: str = "manual"
    account_holder: str = "Accord escrow"
    iban: str = ""
    bic: str = ""

    def start_deposit(self, *, amount: int, currency: str, campaign_id: int) -> DepositStart:
        reference = new_reference()
        instructions = {
            "method": "bank_transfer",
            "account_holder": self.account_holder,
            "reference": reference,
            "note": "Quote the reference exactly; the deposit is confirmed when the transfer arrives.",
        }
        if self.iban:
            instructions["iban"] = self.iban
        if self.bic:
            instructions["bic"] = self.bic
        return DepositStart(reference, instructions)
