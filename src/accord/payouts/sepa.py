"""SEPA credit-transfer files (pain.001.001.03) written with sepaxml and validated against the XSD it ships.

sepaxml builds and serializes the document; its own ``export(validate=True)`` validates with the pure-Python
``xmlschema`` package, which takes minutes on a file of 100,000 transfers. We export without it and validate against
the very same XSD (``sepaxml/schemas/pain.001.001.03.xsd``) with lxml's C validator. Pure module: no Django models.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sepaxml
from lxml import etree
from sepaxml import SepaTransfer

SCHEMA = "pain.001.001.03"
XSD_PATH = Path(sepaxml.__file__).parent / "schemas" / f"{SCHEMA}.xsd"
NAMESPACE = f"urn:iso:std:iso:20022:tech:xsd:{SCHEMA}"
# SEPA's restricted character set for free text (EPC guidelines); anything else is replaced by a space.
_NOT_SEPA = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")


class SepaFileInvalid(ValueError):
    """The generated file does not validate against the pain.001.001.03 schema."""


@dataclass(frozen=True)
class Debtor:
    name: str
    iban: str
    bic: str
    currency: str


@dataclass(frozen=True)
class Payment:
    end_to_end_id: str
    name: str
    iban: str
    bic: str
    amount: int  # minor units (cents)
    description: str


@dataclass(frozen=True)
class BankFile:
    message_id: str
    content: bytes
    sha256: str
    payment_count: int
    control_sum: int


def sepa_text(value: str, limit: int) -> str:
    if not value.isascii():
        from text_unidecode import unidecode

        value = unidecode(value)
    return " ".join(_NOT_SEPA.sub(" ", value).split())[:limit] or "-"


@functools.cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD_PATH)))


def validate(content: bytes) -> None:
    """Raise ``SepaFileInvalid`` naming the first schema violation."""
    schema = _schema()
    doc = etree.fromstring(content, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    if not schema.validate(doc):
        error = schema.error_log.last_error
        raise SepaFileInvalid(f"pain.001.001.03 validation failed: line {error.line}: {error.message}")


def build(debtor: Debtor, payments: Sequence[Payment], execution_date: date, *, check: bool = True) -> BankFile:
    """One credit-transfer file: one batch (PmtInf) debiting ``debtor`` with one transaction per payment."""
    if not payments:
        raise ValueError("a SEPA file needs at least one payment")
    config = {
        "name": sepa_text(debtor.name, 70),
        "IBAN": debtor.iban,
        "currency": debtor.currency,
        "batch": True,
    }
    if debtor.bic:
        config["BIC"] = debtor.bic
    transfer = SepaTransfer(config, schema=SCHEMA, clean=False)
    for p in payments:
        if p.amount <= 0:
            raise ValueError(f"payment {p.end_to_end_id} has a non-positive amount")
        payment = {
            "name": sepa_text(p.name, 70),
            "IBAN": p.iban,
            "amount": p.amount,
            "execution_date": execution_date,
            "description": sepa_text(p.description, 140),
            "endtoend_id": p.end_to_end_id[:35],
        }
        if p.bic:
            payment["BIC"] = p.bic
        transfer.add_payment(payment)
    content = transfer.export(validate=False)
    if check:
        validate(content)
    return BankFile(
        message_id=transfer.msg_id,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        payment_count=len(payments),
        control_sum=sum(p.amount for p in payments),
    )


def parse_summary(content: bytes) -> dict[str, object]:
    """Read back the group header and every transaction (for tests and operator checks)."""
    ns = {"p": NAMESPACE}
    doc = etree.fromstring(content, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    header = doc.find("p:CstmrCdtTrfInitn/p:GrpHdr", ns)
    assert header is not None
    txs = []
    for tx in doc.iterfind(".//p:CdtTrfTxInf", ns):
        amount = tx.find("p:Amt/p:InstdAmt", ns)
        assert amount is not None
        txs.append(
            {
                "end_to_end_id": tx.findtext("p:PmtId/p:EndToEndId", namespaces=ns),
                "amount": amount.text,
                "currency": amount.get("Ccy"),
                "iban": tx.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=ns),
                "bic": tx.findtext("p:CdtrAgt/p:FinInstnId/p:BIC", namespaces=ns),
                "name": tx.findtext("p:Cdtr/p:Nm", namespaces=ns),
            }
        )
    return {
        "message_id": header.findtext("p:MsgId", namespaces=ns),
        "count": int(header.findtext("p:NbOfTxs", namespaces=ns) or 0),
        "control_sum": header.findtext("p:CtrlSum", namespaces=ns),
        "debtor_iban": doc.findtext(".//p:PmtInf/p:DbtrAcct/p:Id/p:IBAN", namespaces=ns),
        "transactions": txs,
    }
