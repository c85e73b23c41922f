"""Contract terms as validated data, their canonical JSON and SHA-256, and the field-by-field diff between versions.

Pure: imports no Django model. Amounts are integer minor units of ``currency``; percentages are basis points.
``canonical_json`` is the exact byte string a signature covers: keys sorted, no insignificant whitespace, strings in
Unicode NFC, decimals normalized ("1.50" and "1.5" are the same number), dates ISO 8601. Two terms objects that mean
the same thing therefore hash the same, whatever key order or decimal spelling they arrived with.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from accord.core.money import allocate, round_half_even, validate_currency
from accord.creators.taxonomy import DELIVERABLES, PLATFORMS
from accord.incentives.rules import CompensationTerms

LOCK_WINDOWS = (0, 7, 14, 30, 60, 90)
Key = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$")]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Deliverable(_Model):
    key: Key
    platform: str
    content_type: str
    count: int = Field(1, ge=1, le=100)
    concept_due: date | None = None
    publish_due: date | None = None
    description: str = Field("", max_length=2000)

    @field_validator("platform")
    @classmethod
    def _platform(cls, value: str) -> str:
        if value not in PLATFORMS:
            raise ValueError(f"unknown platform {value!r}; one of {', '.join(PLATFORMS)}")
        return value

    @field_validator("content_type")
    @classmethod
    def _content_type(cls, value: str) -> str:
        if value not in DELIVERABLES:
            raise ValueError(f"unknown content type {value!r}; one of {', '.join(DELIVERABLES)}")
        return value

    @model_validator(mode="after")
    def _dates(self) -> Deliverable:
        if self.concept_due and self.publish_due and self.concept_due > self.publish_due:
            raise ValueError("the concept is due after the publish date")
        return self


class UsageRights(_Model):
    channels: list[str] = Field(default_factory=list, max_length=20, description="Where the brand may reuse content")
    duration_days: int = Field(0, ge=0, le=3650, description="0: organic posting only, no reuse")
    paid_ads_whitelisting: bool = False


class Exclusivity(_Model):
    category: str = Field(..., min_length=1, max_length=100)
    period_days: int = Field(..., ge=1, le=730)


class Nda(_Model):
    required: bool = False
    text: str = Field("", max_length=20_000)

    @model_validator(mode="after")
    def _text(self) -> Nda:
        if self.required and not self.text.strip():
            raise ValueError("an NDA that is required needs its text")
        return self


class PlanMilestone(_Model):
    key: Key
    title: str = Field(..., min_length=1, max_length=200)
    amount: int = Field(..., gt=0, description="Minor units")
    due_on: date
    deliverables: list[str] = Field(default_factory=list, description="Keys of the deliverables this pays for")
    requires_submission: bool = True


class MilestonesPlan(_Model):
    kind: Literal["milestones"] = "milestones"
    milestones: list[PlanMilestone] = Field(..., min_length=1, max_length=50)


class DepositPlan(_Model):
    """A total paid as an upfront share at signing (no deliverable needed) and the rest on delivery."""

    kind: Literal["deposit"] = "deposit"
    total: int = Field(..., gt=0)
    upfront_bps: int = Field(..., ge=1, le=9_999, description="Upfront share in basis points (3000 = 30 %)")
    upfront_due_on: date
    final_due_on: date


class HourlyPlan(_Model):
    kind: Literal["hourly"] = "hourly"
    rate: int = Field(..., gt=0, description="Minor units per hour")
    cap: int = Field(..., gt=0, description="Most the brand pays in all, minor units")
    budget_due_on: date | None = Field(None, description="When the brand funds the hourly budget")


PaymentPlan = Annotated[MilestonesPlan | DepositPlan | HourlyPlan, Field(discriminator="kind")]


class LatePayment(_Model):
    kind: Literal["none", "interest", "fee"] = "none"
    annual_interest_bps: int = Field(0, ge=0, le=5_000)
    fee: int = Field(0, ge=0, description="Flat fee, minor units")
    grace_days: int = Field(0, ge=0, le=90)


class Terms(_Model):
    currency: str = Field(..., min_length=3, max_length=3)
    deliverables: list[Deliverable] = Field(default_factory=list, max_length=50)
    usage_rights: UsageRights = UsageRights.model_validate({})
    exclusivity: Exclusivity | None = None
    nda: Nda = Nda.model_validate({})
    review_window_days: int = Field(14, ge=1, le=60)
    dispute_window_days: int | None = Field(
        None, ge=1, le=90, description="Days after an event during which it can be disputed (None: the platform's)"
    )
    max_change_rounds: int = Field(2, ge=0, le=10)
    payment: PaymentPlan
    compensation: CompensationTerms | None = None
    commission_lock_days: int = 30
    late_payment: LatePayment = LatePayment.model_validate({})
    require_disclosure: bool = Field(True, description="The brand may approve only captions with an ad disclosure")
    disclosure_country: str | None = Field(None, min_length=2, max_length=2)
    notes: str = Field("", max_length=5000)

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        validate_currency(value)
        return value

    @field_validator("commission_lock_days")
    @classmethod
    def _lock(cls, value: int) -> int:
        if value not in LOCK_WINDOWS:
            raise ValueError(f"commission lock window must be one of {', '.join(map(str, LOCK_WINDOWS))} days")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Terms:
        keys = [d.key for d in self.deliverables]
        if len(set(keys)) != len(keys):
            raise ValueError("deliverable keys must be unique")
        if isinstance(self.payment, MilestonesPlan):
            mkeys = [m.key for m in self.payment.milestones]
            if len(set(mkeys)) != len(mkeys):
                raise ValueError("milestone keys must be unique")
            unknown = sorted({k for m in self.payment.milestones for k in m.deliverables} - set(keys))
            if unknown:
                raise ValueError(f"milestones name unknown deliverables: {', '.join(unknown)}")
        if isinstance(self.payment, DepositPlan) and self.payment.upfront_due_on > self.payment.final_due_on:
            raise ValueError("the upfront share is due after the final payment")
        if self.compensation is not None and self.compensation.currency != self.currency:
            raise ValueError("compensation rules must be in the contract currency")
        return self

    @property
    def is_hourly(self) -> bool:
        return isinstance(self.payment, HourlyPlan)

    @property
    def total(self) -> int:
        """The most the payment plan can cost the brand (an hourly plan: its cap)."""
        payment = self.payment
        if isinstance(payment, MilestonesPlan):
            return sum(m.amount for m in payment.milestones)
        if isinstance(payment, DepositPlan):
            return payment.total
        return payment.cap


def parse_terms(data: dict[str, Any] | Terms) -> Terms:
    return data if isinstance(data, Terms) else Terms.model_validate(data)


def plan_milestones(terms: Terms) -> list[PlanMilestone]:
    """The milestones the payment plan creates, in order (a deposit plan: upfront + final; hourly: the budget)."""
    payment = terms.payment
    if isinstance(payment, MilestonesPlan):
        return list(payment.milestones)
    if isinstance(payment, DepositPlan):
        upfront, final = allocate(payment.total, [payment.upfront_bps, 10_000 - payment.upfront_bps])
        every = [d.key for d in terms.deliverables]
        return [
            PlanMilestone(
                key="upfront",
                title="Upfront share",
                amount=upfront,
                due_on=payment.upfront_due_on,
                requires_submission=False,
            ),
            PlanMilestone(
                key="final", title="Final payment", amount=final, due_on=payment.final_due_on, deliverables=every
            ),
        ]
    dates = [day for d in terms.deliverables for day in (d.concept_due, d.publish_due) if day is not None]
    due = payment.budget_due_on or (min(dates) if dates else date(2000, 1, 1))
    return [
        PlanMilestone(key="hourly", title="Hourly budget", amount=payment.cap, due_on=due, requires_submission=False)
    ]


def late_payment_owed(late: LatePayment, amount: int, due_on: date, paid_on: date) -> int:
    """What the brand owes on top of ``amount`` (minor units) when it pays on ``paid_on`` instead of ``due_on``.

    Nothing within the grace days; then the flat fee, or simple interest at ``annual_interest_bps`` for every day
    late after the grace period (actual/365), rounded once, half-even.
    """
    days = (paid_on - due_on).days - late.grace_days
    if late.kind == "none" or days <= 0 or amount <= 0:
        return 0
    if late.kind == "fee":
        return late.fee
    return round_half_even(Decimal(amount) * Decimal(late.annual_interest_bps) / Decimal(10_000) * days / 365)


# -- canonical form and hash ----------------------------------------------------------------------------------------


def _canon(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return _canon(value.model_dump(mode="python"))
    if isinstance(value, dict):
        return {unicodedata.normalize("NFC", str(k)): _canon(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canon(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        normal = value.normalize()
        text = format(normal, "f")
        return "0" if normal.is_zero() else text
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, float):
        raise TypeError("floats have no place in contract terms")
    return str(value)


def canonical_dict(terms: Terms | dict[str, Any]) -> dict[str, Any]:
    """The terms as plain JSON data in canonical form (validated first, so defaults are filled in)."""
    result = _canon(parse_terms(terms))
    assert isinstance(result, dict)
    return result


def canonical_json(terms: Terms | dict[str, Any]) -> str:
    return json.dumps(canonical_dict(terms), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def terms_hash(terms: Terms | dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON, UTF-8: what both signatures cover."""
    return hashlib.sha256(canonical_json(terms).encode("utf-8")).hexdigest()


def stored_hash(canonical: dict[str, Any]) -> str:
    """The hash of terms exactly as stored (already canonical), without validating them against today's schema.

    Integrity checks of signed versions use this, so a field added to ``Terms`` later (with a default) never changes
    the hash of a version that was stored and signed before it existed.
    """
    text = json.dumps(_canon(canonical), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- diff -----------------------------------------------------------------------------------------------------------


def _flatten(value: Any, path: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        if not value and path:
            out[path] = {}
        for k in sorted(value):
            _flatten(value[k], f"{path}.{k}" if path else k, out)
    elif isinstance(value, list) and value and all(isinstance(v, dict) and ("key" in v or "id" in v) for v in value):
        for item in value:
            ident = item.get("key", item.get("id"))
            _flatten(
                {k: v for k, v in item.items() if k not in ("key", "id")} or {"present": True}, f"{path}[{ident}]", out
            )
    else:
        out[path] = value


def diff(before: Terms | dict[str, Any] | None, after: Terms | dict[str, Any]) -> list[dict[str, Any]]:
    """Field-by-field changes from ``before`` to ``after``: ``[{"field", "change", "before", "after"}]``.

    Lists of keyed items (deliverables, milestones, rules) are compared by key, so reordering them is no change and a
    changed amount shows as ``payment.milestones[concept].amount``. A first offer (``before`` None) lists every field
    as added.
    """
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    if before is not None:
        _flatten(canonical_dict(before), "", old)
    _flatten(canonical_dict(after), "", new)
    changes: list[dict[str, Any]] = []
    for field in sorted(old.keys() | new.keys()):
        if field not in old:
            changes.append({"field": field, "change": "added", "before": None, "after": new[field]})
        elif field not in new:
            changes.append({"field": field, "change": "removed", "before": old[field], "after": None})
        elif old[field] != new[field]:
            changes.append({"field": field, "change": "changed", "before": old[field], "after": new[field]})
    return changes


def example_terms(currency: str = "EUR", start: date | None = None) -> dict[str, Any]:
    """A complete, valid example (documentation, the demo and tests start from it)."""
    base = start or date(2026, 1, 5)
    day = base.toordinal()
    return {
        "currency": currency,
        "deliverables": [
            {
                "key": "reel",
                "platform": "instagram",
                "content_type": "reel",
                "count": 1,
                "concept_due": date.fromordinal(day + 7).isoformat(),
                "publish_due": date.fromordinal(day + 21).isoformat(),
            }
        ],
        "usage_rights": {"channels": ["instagram"], "duration_days": 90, "paid_ads_whitelisting": False},
        "review_window_days": 14,
        "max_change_rounds": 2,
        "payment": {
            "kind": "milestones",
            "milestones": [
                {
                    "key": "concept",
                    "title": "Concept",
                    "amount": 50_000,
                    "due_on": date.fromordinal(day + 7).isoformat(),
                    "deliverables": ["reel"],
                },
                {
                    "key": "publish",
                    "title": "Published reel",
                    "amount": 100_000,
                    "due_on": date.fromordinal(day + 21).isoformat(),
                    "deliverables": ["reel"],
                },
            ],
        },
        "commission_lock_days": 30,
    }
