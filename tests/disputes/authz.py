"""Authorization matrix for the disputes API. Objects are built lazily (only for cells whose path or body names
them): a funded, submitted milestone; a dispute the brand opened on another one; one in mediation; one with an open
proposal."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from accord.accounts.auth import Principal
from accord.accounts.models import Role
from accord.contracts import services as contracts
from accord.contracts.terms import example_terms
from accord.core import clock
from accord.disputes import services
from accord.escrow import services as escrow
from tests.authz import Expect, World, by_role, everyone, operator_only
from tests.contracts.lazy import ident, lazy_group

KEY = {"Idempotency-Key": "authz-dispute-key"}


def _parties(world: World) -> tuple[Principal, Principal]:
    brand = Principal(organization=world.brand, role=Role.OWNER, user=world.brand_users["owner"])
    creator = Principal(organization=world.creator, role=Role.OWNER, user=world.creator_users["owner"])
    return brand, creator


def _submitted_milestone(world: World) -> int:
    brand, creator = _parties(world)
    campaign_id = ident(world, "campaign_id")
    if "_dispute_funded" not in world.ids:
        deposit = escrow.start_deposit(brand, campaign_id=campaign_id, amount=900_000, key="authz-dispute-deposit")
        escrow.confirm_deposit(None, deposit_id=deposit.pk)
        world.ids["_dispute_funded"] = True
    contract = contracts.send_offer(
        brand, campaign_id=campaign_id, creator_org_id=world.creator.pk, terms=example_terms("EUR", clock.today())
    )
    contracts.sign(brand, contract.pk, typed_name="Brand Owner", version_number=1)
    contracts.sign(creator, contract.pk, typed_name="Creator Owner", version_number=1)
    m = contract.milestones.get(key="publish")
    contracts.fund_milestone(brand, m.pk, key=f"authz-fund-{m.pk}")
    contracts.submit(creator, m.pk, post_url="https://example.test/post", caption="#ad")
    return m.pk


def _offered(world: World) -> dict[str, int]:
    brand, _ = _parties(world)
    contracts.send_offer(
        brand,
        campaign_id=ident(world, "campaign_id"),
        creator_org_id=world.creator.pk,
        terms=example_terms("EUR", clock.today()),
    )
    return {"offered_creator_id": world.creator.pk}


def _open(world: World) -> int:
    brand, _ = _parties(world)
    m = _submitted_milestone(world)
    d = services.open_dispute(brand, target_type="milestone", target_id=m, reason="quality", statement="Blurry")
    return d.pk


def _with_file(world: World) -> dict[str, int]:
    brand, _ = _parties(world)
    d = _open(world)
    upload = SimpleUploadedFile("brief.pdf", b"%PDF-1.4 the brief", content_type="application/pdf")
    ev = services.add_evidence(brand, d, title="The brief", upload=upload)
    return {"file_dispute_id": d, "evidence_id": ev.pk}


def _file_body(world: World, principal: str) -> bytes:
    upload = SimpleUploadedFile("shot.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 16, content_type="image/png")
    return encode_multipart(BOUNDARY, {"file": upload, "title": f"from {principal}"})


def _mediation(world: World) -> int:
    _, creator = _parties(world)
    d = _open(world)
    services.respond(creator, d, statement="It is sharp")
    return d


def _proposed(world: World) -> int:
    d = _mediation(world)
    op = Principal(organization=world.operator_org, role=Role.OWNER, user=world.operator)
    services.propose(op, d, outcome="split", creator_amount=50_000)
    return d


def build(world: World) -> None:
    lazy_group(
        world,
        "disputes_milestone",
        ["dispute_milestone_id"],
        lambda w: {"dispute_milestone_id": _submitted_milestone(w)},
    )
    lazy_group(world, "disputes_open", ["dispute_id"], lambda w: {"dispute_id": _open(w)})
    lazy_group(world, "disputes_file", ["file_dispute_id", "evidence_id"], _with_file)
    lazy_group(world, "disputes_mediation", ["mediation_dispute_id"], lambda w: {"mediation_dispute_id": _mediation(w)})
    lazy_group(world, "disputes_proposed", ["proposed_dispute_id"], lambda w: {"proposed_dispute_id": _proposed(w)})
    world.ids["proposal_number"] = 1
    world.ids["trust_org_id"] = world.creator.pk
    lazy_group(world, "disputes_offered", ["offered_creator_id"], _offered)


def _open_body(world: World, principal: str) -> dict[str, Any]:
    return {
        "target_type": "milestone",
        "target_id": ident(world, "dispute_milestone_id"),
        "reason": "not_as_agreed",
        "statement": "Not what we agreed",
    }


def _party(minimum: str, ok: int = 200, **kw: Any) -> Expect:
    """A party's action on the home organization's dispute: the rival tenant gets 404; an operator is no party."""
    return by_role(minimum, ok, scoped=True, operator=404, **kw)


_READ = by_role(Role.VIEWER, scoped=True, operator=200)
_OUTCOME = {"outcome": "refund", "note": "final"}

MATRIX: dict[str, Expect] = {
    "GET /api/v1/disputes": by_role(Role.VIEWER),
    "POST /api/v1/disputes": by_role(Role.MEMBER, 201, body=_open_body, scoped=True, operator=403),
    "GET /api/v1/disputes/stats": operator_only(),
    "GET /api/v1/disputes/{dispute_id}": _READ,
    "GET /api/v1/disputes/{dispute_id}/history": _READ,
    "GET /api/v1/disputes/{dispute_id}/evidence": _READ,
    "POST /api/v1/disputes/{dispute_id}/evidence": by_role(
        Role.MEMBER, 201, scoped=True, operator=201, body={"text": "Screenshot of the brief"}
    ),
    "POST /api/v1/disputes/{dispute_id}/evidence/files": by_role(
        Role.MEMBER, 201, scoped=True, operator=201, body=_file_body, content_type=MULTIPART_CONTENT
    ),
    "GET /api/v1/disputes/{dispute_id}/evidence/{evidence_id}/file": _READ.with_ids(dispute_id="file_dispute_id"),
    "POST /api/v1/disputes/{dispute_id}/respond": _party(Role.MEMBER, side="creator", body={"statement": "It is fine"}),
    "POST /api/v1/disputes/{dispute_id}/withdraw": _party(Role.MEMBER, body={"reason": "settled"}),
    "POST /api/v1/disputes/{dispute_id}/proposals": operator_only(201, body=_OUTCOME).with_ids(
        dispute_id="mediation_dispute_id"
    ),
    "POST /api/v1/disputes/{dispute_id}/proposals/{proposal_number}/answer": _party(
        Role.MEMBER, body={"accept": True}, headers=KEY
    ).with_ids(dispute_id="proposed_dispute_id"),
    "POST /api/v1/disputes/{dispute_id}/decide": operator_only(body=_OUTCOME, headers=KEY).with_ids(
        dispute_id="mediation_dispute_id"
    ),
    "POST /api/v1/disputes/{dispute_id}/notes": operator_only(201, body={"text": "private"}),
    # reputation: trust scores, tiers, rate suggestions (accord.reputation.trust_api)
    "GET /api/v1/reputation/organizations/{org_id}/trust": everyone().with_ids(org_id="trust_org_id"),
    "GET /api/v1/reputation/tier": by_role(Role.VIEWER, side="creator", operator=403),
    "GET /api/v1/reputation/rate-suggestions": by_role(Role.VIEWER, side="creator", operator=403),
    # the brand sees the rates of a creator it has a contract with; others get 404
    "GET /api/v1/reputation/organizations/{org_id}/rate-suggestions": by_role(Role.VIEWER, scoped=True).with_ids(
        org_id="offered_creator_id"
    ),
}
