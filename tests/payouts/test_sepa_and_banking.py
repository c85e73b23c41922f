"""SEPA files against the pain.001.001.03 XSD (lxml and sepaxml's own xmlschema check); IBAN/BIC validation."""

from __future__ import annotations

from datetime import date

import pytest
from sepaxml.validation import try_valid_xml

from accord.core.errors import ValidationFailed
from accord.payouts import banking, sepa

DEBTOR = sepa.Debtor("Accord Platform B.V.", "NL02ABNA0123456789", "ABNANL2A", "EUR")


def payments(n: int) -> list[sepa.Payment]:
    ibans = ["DE89370400440532013000", "FR1420041010050500013M02606", "AT683501840977713794"]
    return [
        sepa.Payment(f"ACCORD-PAYOUT-{i}", f"Zoë Ünïcode-{i} & Co", ibans[i % 3], "", 1999 + i, "Accord payout")
        for i in range(1, n + 1)
    ]


def test_file_validates_against_the_xsd_with_both_validators() -> None:
    f = sepa.build(DEBTOR, payments(3), date(2026, 11, 25))
    sepa.validate(f.content)  # lxml, the XSD shipped in sepaxml/schemas
    try_valid_xml(f.content, "pain.001.001.03")  # sepaxml's own validation (xmlschema)
    summary = sepa.parse_summary(f.content)
    assert summary["count"] == 3 and summary["control_sum"] == "60.03"
    assert f.control_sum == 2000 + 2001 + 2002
    names = [t["name"] for t in summary["transactions"]]  # type: ignore[union-attr]
    assert names[0] == "Zoe Unicode-1 Co"  # transliterated to the SEPA character set
    assert b"<ReqdExctnDt>2026-11-25</ReqdExctnDt>" in f.content
    assert b"<IBAN>NL02ABNA0123456789</IBAN>" in f.content


def test_a_file_that_breaks_the_schema_is_refused() -> None:
    f = sepa.build(DEBTOR, payments(1), date(2026, 11, 25))
    broken = f.content.replace(b"<InstdAmt", b"<Amount").replace(b"</InstdAmt>", b"</Amount>")
    with pytest.raises(sepa.SepaFileInvalid):
        sepa.validate(broken)
    too_long = f.content.replace(b"ACCORD-PAYOUT-1", b"X" * 40)
    with pytest.raises(sepa.SepaFileInvalid):
        sepa.validate(too_long)


def test_iban_and_bic_validation_and_masking() -> None:
    details = banking.validate_sepa("  Jane   Doe ", "de89 3704 0044 0532 0130 00")
    assert details.iban == "DE89370400440532013000"
    assert details.iban_masked == "DE89 **** **** **** **30 00"
    assert details.bic == "COBADEFFXXX" and details.account_holder == "Jane Doe"
    assert banking.validate_sepa("Jane", "NL91ABNA0417164300", "ABNANL2A").bic == "ABNANL2A"
    with pytest.raises(ValidationFailed) as bad_checksum:
        banking.validate_sepa("Jane", "DE89370400440532013001")
    assert "iban" in bad_checksum.value.fields
    with pytest.raises(ValidationFailed) as bad_bic:
        banking.validate_sepa("Jane", "DE89370400440532013000", "NOTABIC")
    assert "bic" in bad_bic.value.fields
    with pytest.raises(ValidationFailed) as no_holder:
        banking.validate_sepa(" ", "DE89370400440532013000")
    assert "account_holder" in no_holder.value.fields
    with pytest.raises(ValidationFailed):
        banking.validate_sepa("Jane", "BR1500000000000010932840814P2")  # valid IBAN, outside the SEPA zone
    assert banking.validate_stripe_account(" acct_1Nv0FGQ9RKHgCVdK ") == "acct_1Nv0FGQ9RKHgCVdK"
    with pytest.raises(ValidationFailed):
        banking.validate_stripe_account("cus_123")
