"""The contract as a PDF (fpdf2): parties, the terms in force, their SHA-256, and the signatures.

fpdf2's core fonts are Latin-1, so text is transliterated to it (names keep their accents; other scripts become
"?"). The canonical terms hash printed on every page ties the document to the signed data.
"""

from __future__ import annotations

import json
from typing import Any

from fpdf import FPDF

from accord.contracts.models import Contract, ContractVersion
from accord.contracts.terms import Terms, plan_milestones
from accord.core.money import Money

_REPLACE = {
    "\u2013": "-",
    "\u2014": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2026": "...",
    "\u00d7": "x",
    "\u2192": "->",
    "\u20ac": "EUR",
}


def _t(text: Any) -> str:
    value = str(text)
    for src, dst in _REPLACE.items():
        value = value.replace(src, dst)
    return value.encode("latin-1", "replace").decode("latin-1")


def _money(amount: int, currency: str) -> str:
    return Money(amount, currency).format()


class _Doc(FPDF):
    sha: str = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=7)
        self.cell(0, 5, _t(f"Terms SHA-256 {self.sha}  -  page {self.page_no()}"), align="C")


def render(contract: Contract, version: ContractVersion | None = None) -> bytes:
    version = version or contract.signed_version or contract.current_version
    if version is None:
        raise ValueError("the contract has no terms yet")
    terms = Terms.model_validate(version.terms)
    doc = _Doc(format="A4")
    doc.sha = version.terms_sha256
    doc.set_auto_page_break(auto=True, margin=16)
    doc.add_page()
    width = doc.epw

    def heading(text: str) -> None:
        doc.ln(3)
        doc.set_font("Helvetica", "B", 12)
        doc.multi_cell(width, 7, _t(text))
        doc.set_font("Helvetica", size=10)

    def line(text: str) -> None:
        doc.multi_cell(width, 5.5, _t(text))

    doc.set_font("Helvetica", "B", 16)
    doc.multi_cell(width, 9, _t(contract.title))
    doc.set_font("Helvetica", size=10)
    status = "signed by both parties" if version.status == "signed" else f"{version.get_kind_display()} (not binding)"
    line(f"Contract #{contract.pk}, version {version.number}: {status}")
    line(f"Brand: {contract.brand.name}    Creator: {contract.creator.name}")
    line(f"Campaign: {contract.campaign.name}")

    heading("Deliverables")
    for d in terms.deliverables:
        dates = ", ".join(
            f"{label} {day.isoformat()}"
            for label, day in (("concept due", d.concept_due), ("publish by", d.publish_due))
            if day
        )
        line(f"- {d.count} x {d.platform} {d.content_type} [{d.key}]{': ' + dates if dates else ''}")
        if d.description:
            line(f"  {d.description}")
    if not terms.deliverables:
        line("- none listed")

    heading("Payment")
    for m in plan_milestones(terms):
        line(f"- {m.title} [{m.key}]: {_money(m.amount, terms.currency)}, due {m.due_on.isoformat()}")
    payment = terms.payment
    if payment.kind == "hourly":
        line(f"Hourly rate {_money(payment.rate, terms.currency)}, capped at {_money(payment.cap, terms.currency)}.")
    line(f"Total at most {_money(terms.total, terms.currency)}. Funds are held in escrow before work starts.")
    lp = terms.late_payment
    if lp.kind == "interest":
        line(f"Late payment: {lp.annual_interest_bps / 100:.2f} % a year after {lp.grace_days} days' grace.")
    elif lp.kind == "fee":
        line(f"Late payment: a fee of {_money(lp.fee, terms.currency)} after {lp.grace_days} days' grace.")
    line(f"Commission lock window: {terms.commission_lock_days} days.")
    if terms.compensation is not None:
        heading("Compensation rules")
        for rule in terms.compensation.rules:
            line(f"- {rule.kind} [{rule.id}]: {json.dumps(rule.model_dump(mode='json', exclude_none=True))}")

    heading("Review and rights")
    line(f"The brand reviews each submission within {terms.review_window_days} days; silence approves it.")
    line(f"Up to {terms.max_change_rounds} rounds of changes.")
    if terms.dispute_window_days:
        line(f"Either party may dispute an event within {terms.dispute_window_days} days.")
    ur = terms.usage_rights
    channels = ", ".join(ur.channels) or "none"
    whitelisting = "yes" if ur.paid_ads_whitelisting else "no"
    line(f"Usage rights: {channels} for {ur.duration_days} days; paid-ads whitelisting: {whitelisting}.")
    if terms.exclusivity:
        line(f"Exclusivity: {terms.exclusivity.category} for {terms.exclusivity.period_days} days.")
    line("Ad disclosure required to approve: " + ("yes" if terms.require_disclosure else "no") + ".")
    if terms.nda.required:
        heading("Non-disclosure")
        line(terms.nda.text)
    if terms.notes:
        heading("Notes")
        line(terms.notes)

    heading("Signatures")
    signatures = list(version.signatures.order_by("id"))
    for s in signatures:
        line(f"{s.get_side_display()}: {s.typed_name} ({s.signer.email}) at {s.signed_at.isoformat()}")
    if not signatures:
        line("Not signed yet.")
    line(f"SHA-256 of the canonical terms: {version.terms_sha256}")
    return bytes(doc.output())
