"""One IBAN masker: ``accord.payouts.banking.mask_iban``. Every page, API, admin list, audit record and data export
that shows a bank account shows exactly its output, and no other module cuts an IBAN into a mask of its own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import accord
from accord.accounts.models import Organization, Role
from accord.accounts.services import create_operator
from accord.core.models import AuditRecord
from accord.payouts import privacy, services
from accord.payouts.banking import mask_iban
from accord.payouts.models import DebtorAccount, PayoutMethod
from tests.conftest import client_for, make_org
from tests.payouts.helpers import DEBTOR_IBAN, owner_principal

CREATOR_IBAN = "DE89370400440532013000"
MASKED = "DE89 **** **** **** **30 00"


@pytest.mark.parametrize(
    ("iban", "masked"),
    [
        (CREATOR_IBAN, MASKED),
        ("de89 3704 0044 0532 0130 00", MASKED),  # as typed: spaces and lower case
        ("NL91ABNA0417164300", "NL91 **** **** **43 00"),
        ("NL91ABNA", "********"),  # too short to show anything
    ],
)
def test_mask_iban_keeps_country_check_digits_and_last_four(iban: str, masked: str) -> None:
    assert mask_iban(iban) == masked


@pytest.mark.django_db
def test_every_place_that_shows_an_iban_shows_mask_iban() -> None:
    org, _ = make_org(Organization.Kind.CREATOR)
    services.add_method(owner_principal(org), kind=PayoutMethod.Kind.SEPA, account_holder="Jo", iban=CREATOR_IBAN)
    debtor = services.add_debtor(name="Accord Platform B.V.", iban=DEBTOR_IBAN, bic="ABNANL2A", currency="EUR")
    creator = client_for(org.memberships.get(role=Role.OWNER).user, org)
    op = client_for(create_operator(email="ops@accord.test", password="operator-password-1"))

    method = PayoutMethod.objects.get(organization=org)
    assert method.iban_masked == mask_iban(CREATOR_IBAN) == MASKED
    assert MASKED in method.display
    assert [m["iban_masked"] for m in creator.get("/api/v1/payouts/methods").json()["items"]] == [MASKED]
    assert MASKED in creator.get("/payouts/methods/").content.decode()
    exported = privacy.export(org)["methods"][0]
    assert exported["iban_masked"] == MASKED and CREATOR_IBAN not in str(exported)

    assert debtor.iban_masked == mask_iban(DEBTOR_IBAN)
    listed = op.get("/api/v1/operator/payouts/debtor-accounts").json()
    assert [d["iban_masked"] for d in listed["items"]] == [mask_iban(DEBTOR_IBAN)]
    audited = AuditRecord.objects.filter(data__iban__isnull=False).values_list("data", flat=True)
    assert [a["iban"] for a in audited] == [mask_iban(DEBTOR_IBAN)]
    assert DebtorAccount.objects.get().iban == DEBTOR_IBAN  # the bank file still needs it whole


# Slicing an IBAN (``iban[-4:]``, ``account.iban[:4]``) is how a second masker starts.
_SLICE = re.compile(r"iban\w*\s*\)?\s*\[\s*-?\d*\s*:", re.IGNORECASE)


def test_no_other_module_masks_an_iban() -> None:
    root = Path(accord.__file__).parent
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path.name != "banking.py" and _SLICE.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
