"""Reputation figures of one organization, read from commitments, submissions, releases and disputes, and fed to the
pure ``scoring`` module. Creators: on-time delivery, approval in the first round. Brands: on-time funding, on-time
review, paid within the review window and days to pay. Both: dispute response, dispute rate and outcomes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from accord.accounts.models import Organization
from accord.core import clock
from accord.core.errors import NotFound
from accord.reputation import scoring
from accord.reputation.models import Commitment

CREATOR_KINDS = {"concept_due": "on_time_delivery", "publish_due": "on_time_delivery"}
BRAND_KINDS = {"payment_due": "on_time_funding", "review_due": "on_time_review"}
BOTH_KINDS = {"dispute_response": "dispute_response"}
DEFAULT_REVIEW_DAYS = 14


@dataclass(frozen=True)
class Figures:
    organization_id: int
    kind: str
    trust: scoring.Trust
    days_to_pay: float | None
    contracts: int
    disputes: dict[str, int]
    dispute_rate: float | None

    def as_dict(self) -> dict[str, Any]:
        t = self.trust
        return {
            "organization_id": self.organization_id,
            "kind": self.kind,
            "score": t.score,
            "confidence": t.confidence,
            "confidence_label": str(scoring.CONFIDENCE_LABELS.get(t.confidence, t.confidence)),
            "data_points": t.data_points,
            "explanation": t.explanation,
            "rates": {
                n: {"ok": r.ok, "total": r.total, "rate": r.rate, "weighted_rate": r.weighted_rate, "label": r.label}
                for n, r in t.rates.items()
            },
            "days_to_pay": self.days_to_pay,
            "contracts": self.contracts,
            "disputes": self.disputes,
            "dispute_rate": self.dispute_rate,
        }


def _commitment_observations(org_id: int, kinds: dict[str, str]) -> list[scoring.Observation]:
    rows = Commitment.objects.filter(owner_org_id=org_id, kind__in=list(kinds), status__in=["met", "missed"])
    out = []
    for kind, status, resolved_at, missed_at, due_at in rows.values_list(
        "kind", "status", "resolved_at", "missed_at", "due_at"
    ):
        at = resolved_at or missed_at or due_at
        out.append(scoring.Observation(kinds[kind], status == "met", at))
    return out


def _first_round(org_id: int) -> list[scoring.Observation]:
    from accord.contracts.models import Submission

    rows = Submission.objects.filter(milestone__contract__creator_id=org_id, round=1).exclude(decision="pending")
    return [
        scoring.Observation("first_round_approval", decision in ("approved", "auto_approved"), reviewed_at or created)
        for decision, reviewed_at, created in rows.values_list("decision", "reviewed_at", "created_at")
    ]


def _payments(org_id: int) -> tuple[list[scoring.Observation], float | None]:
    from accord.contracts.models import Milestone

    rows = Milestone.objects.filter(
        contract__brand_id=org_id, status="released", submitted_at__isnull=False, released_at__isnull=False
    ).select_related("contract__signed_version")
    obs, days = [], []
    for m in rows:
        assert m.released_at is not None and m.submitted_at is not None
        version = m.contract.signed_version
        window = int((version.terms if version else {}).get("review_window_days", DEFAULT_REVIEW_DAYS))
        waited = (m.released_at - m.submitted_at).total_seconds() / 86_400
        days.append(waited)
        obs.append(scoring.Observation("on_time_payment", waited <= window, m.released_at))
    return obs, (round(sum(days) / len(days), 1) if days else None)


def _disputes(org_id: int, side: str) -> tuple[list[scoring.Observation], dict[str, int]]:
    from accord.disputes.models import Dispute

    qs = Dispute.objects.filter(**{f"{side}_id": org_id})
    counts = {"total": qs.count(), "open": 0, "won": 0, "lost": 0, "split": 0, "withdrawn": 0, "other": 0}
    favourable = "release" if side == "creator" else "refund"
    obs = []
    for status, outcome, resolved_at, opened_at in qs.values_list("status", "outcome", "resolved_at", "opened_at"):
        if status in ("open", "in_mediation"):
            counts["open"] += 1
        elif status == "withdrawn":
            counts["withdrawn"] += 1
        elif outcome == "split":
            counts["split"] += 1
        elif outcome in ("release", "refund"):
            won = outcome == favourable
            counts["won" if won else "lost"] += 1
            obs.append(scoring.Observation("dispute", won, resolved_at or opened_at, scoring.DISPUTE_WEIGHT))
        else:
            counts["other"] += 1
    return obs, counts


def figures(org_id: int, now: datetime | None = None) -> Figures:
    from accord.contracts.models import Contract

    org = Organization.objects.filter(pk=org_id).first()
    if org is None or org.kind not in (Organization.Kind.BRAND, Organization.Kind.CREATOR):
        raise NotFound("organization not found")
    moment = now or clock.now()
    side = "creator" if org.kind == Organization.Kind.CREATOR else "brand"
    days_to_pay = None
    if side == "creator":
        obs = _commitment_observations(org_id, {**CREATOR_KINDS, **BOTH_KINDS}) + _first_round(org_id)
    else:
        pay, days_to_pay = _payments(org_id)
        obs = _commitment_observations(org_id, {**BRAND_KINDS, **BOTH_KINDS}) + pay
    dispute_obs, counts = _disputes(org_id, side)
    contracts = Contract.objects.filter(**{f"{side}_id": org_id}, signed_at__isnull=False).count()
    rate = round(counts["total"] / contracts, 3) if contracts else None
    return Figures(org_id, side, scoring.trust(obs + dispute_obs, moment), days_to_pay, contracts, counts, rate)
