"""Bank and provider account details: IBAN/BIC validation with schwifty, masking, Stripe account ids. No models."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from accord.core.errors import ValidationFailed

_STRIPE_ACCOUNT = re.compile(r"^acct_[A-Za-z0-9]{8,64}$")


@dataclass(frozen=True)
class SepaDetails:
    account_holder: str
    iban: str  # electronic format, no spaces
    iban_masked: str
    bic: str
    bank_name: str


def mask_iban(iban: str) -> str:
    """Country, check digits and the last four characters stay readable: ``DE89 **** **** **** **30 00``."""
    compact = iban.replace(" ", "").upper()
    if len(compact) <= 8:
        return "*" * len(compact)
    masked = compact[:4] + "*" * (len(compact) - 8) + compact[-4:]
    return " ".join(masked[i : i + 4] for i in range(0, len(masked), 4))


def validate_sepa(account_holder: str, iban: str, bic: str = "") -> SepaDetails:
    """Validate holder, IBAN (checksum, length and national format) and BIC; the BIC is derived when omitted."""
    errors: dict[str, str] = {}
    holder = " ".join(account_holder.split())
    if not holder:
        errors["account_holder"] = "the account holder's name is required"
    elif len(holder) > 70:
        errors["account_holder"] = "at most 70 characters (the SEPA limit)"
    parsed_iban: IBAN | None = None
    try:
        parsed_iban = IBAN(iban)
    except SchwiftyException as exc:
        errors["iban"] = f"not a valid IBAN: {exc}"
    else:
        if not parsed_iban.in_sepa_zone:
            errors["iban"] = f"{parsed_iban.country_code} is not in the SEPA zone"
    parsed_bic: BIC | None = None
    if bic.strip():
        try:
            parsed_bic = BIC(bic)
        except SchwiftyException as exc:
            errors["bic"] = f"not a valid BIC: {exc}"
    elif parsed_iban is not None and not errors.get("iban"):
        parsed_bic = parsed_iban.bic
        if parsed_bic is None:
            errors["bic"] = "the BIC cannot be derived from this IBAN: please enter it"
    if errors:
        raise ValidationFailed(
            gettext("the bank account details are not valid"), code="invalid_bank_account", fields=errors
        )
    assert parsed_iban is not None and parsed_bic is not None
    bank_name = parsed_iban.bank_name or parsed_bic.bank_name or ""
    return SepaDetails(
        account_holder=holder,
        iban=parsed_iban.compact,
        iban_masked=mask_iban(parsed_iban.compact),
        bic=parsed_bic.compact,
        bank_name=bank_name[:140],
    )


def validate_stripe_account(account_id: str) -> str:
    value = account_id.strip()
    if not _STRIPE_ACCOUNT.match(value):
        raise ValidationFailed(
            gettext("not a Stripe Connect account id"),
            code="invalid_stripe_account",
            fields={"stripe_account_id": "expected acct_ followed by letters and digits"},
        )
    return value
