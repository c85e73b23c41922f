from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from accord.accounts.auth import Principal
from accord.accounts.models import Role
from accord.contracts import services
from accord.contracts.terms import example_terms
from accord.core import clock
from accord.escrow import services as escrow
from tests.authz import Expect, World, by_role
from tests.contracts.lazy import ident, lazy_group


def _terms(hourly: bool = False) -> dict[str, Any]:
    data = example_terms("EUR", clock.today())
    if hourly:
        data["payment"] = {"kind": "hourly", "rate": 6000, "cap": 60_000}
    else:
        data["payment"]["milestones"].append(
            {
                "key": "extra",
                "title": "Extra story",
                "amount": 10_000,
                "due_on": data["payment"]["milestones"][1]["due_on"],
            }
        )
    return data


def _parties(world: World) -> tuple[Principal, Principal, int]:
    brand = Principal(organization=world.brand, role=Role.OWNER, user=world.brand_users["owner"])
    creator = Principal(organization=world.creator, role=Role.OWNER, user=world.creator_users["owner"])
    campaign_id = ident(world, "campaign_id")
    if "_funded" not in world.ids:
        deposit = escrow.start_deposit(brand, campaign_id=campaign_id, amount=500_000, key="authz-deposit")
        escrow.confirm_deposit(None, deposit_id=deposit.pk)
        world.ids["_funded"] = True
    return brand, creator, campaign_id


def _offered(world: World) -> dict[str, int]:
    brand, _creator, campaign_id = _parties(world)
    offered = services.send_offer(brand, campaign_id=campaign_id, creator_org_id=world.creator.pk, terms=_terms())
    return {"contract_id": offered.pk}


def _sign_new(brand: Principal, creator: Principal, campaign_id: int, world: World, data: dict[str, Any]) -> int:
    contract = services.send_offer(brand, campaign_id=campaign_id, creator_org_id=world.creator.pk, terms=data)
    services.sign(brand, contract.pk, typed_name="Brand Owner", version_number=1)
    services.sign(creator, contract.pk, typed_name="Creator Owner", version_number=1)
    return contract.pk


def _milestones(world: World) -> dict[str, int]:
    brand, creator, campaign_id = _parties(world)
    contract_id = _sign_new(brand, creator, campaign_id, world, _terms())
    contract = services.get_contract(brand, contract_id)
    concept, publish, extra = contract.milestones.order_by("position")
    services.fund_milestone(brand, concept.pk, key="authz-1")
    services.fund_milestone(brand, publish.pk, key="authz-2")
    submission = services.submit(
        creator,
        publish.pk,
        post_url="https://instagram.com/p/authz",
        caption="Our trip #ad",
        draft_file=SimpleUploadedFile("draft.png", b"\x89PNG authz", content_type="image/png"),
    )
    return {
        "signed_contract_id": contract_id,
        "funded_milestone_id": concept.pk,
        "submitted_milestone_id": publish.pk,
        "unfunded_milestone_id": extra.pk,
        "submission_id": submission.pk,
    }


def _hourly(world: World) -> dict[str, int]:
    brand, creator, campaign_id = _parties(world)
    hourly_id = _sign_new(brand, creator, campaign_id, world, _terms(hourly=True))
    budget = services.get_contract(brand, hourly_id).milestones.get()
    services.fund_milestone(brand, budget.pk, key="authz-budget")
    last_week = services.log_time(creator, hourly_id, work_date=clock.today() - timedelta(days=7), minutes=90)
    services.submit_timesheet(creator, last_week.timesheet_id)
    this_week = services.log_time(creator, hourly_id, work_date=clock.today(), minutes=30)
    return {
        "hourly_contract_id": hourly_id,
        "submitted_timesheet_id": last_week.timesheet_id,
        "open_timesheet_id": this_week.timesheet_id,
    }


def _hourly_idle(world: World) -> dict[str, int]:
    brand, creator, campaign_id = _parties(world)
    hourly_id = _sign_new(brand, creator, campaign_id, world, _terms(hourly=True))
    services.fund_milestone(brand, services.get_contract(brand, hourly_id).milestones.get().pk, key="authz-idle")
    return {"idle_hourly_contract_id": hourly_id}


def build(world: World) -> None:
    lazy_group(world, "hourly_idle", ["idle_hourly_contract_id"], _hourly_idle)
    lazy_group(world, "offered", ["contract_id"], _offered)
    lazy_group(
        world,
        "milestones",
        [
            "signed_contract_id",
            "funded_milestone_id",
            "submitted_milestone_id",
            "unfunded_milestone_id",
            "submission_id",
        ],
        _milestones,
    )
    lazy_group(world, "hourly", ["hourly_contract_id", "submitted_timesheet_id", "open_timesheet_id"], _hourly)


def _offer(world: World, principal: str) -> dict[str, Any]:
    return {"campaign_id": ident(world, "campaign_id"), "creator_org_id": world.creator.pk, "terms": _terms()}


def _application(world: World, principal: str) -> dict[str, Any]:
    return {"campaign_id": ident(world, "apply_campaign_id"), "terms": _terms()}


def _upload(world: World, principal: str) -> bytes:
    draft = SimpleUploadedFile("cut.mp4", b"\x00\x00\x00\x18ftypmp42", content_type="video/mp4")
    return encode_multipart(BOUNDARY, {"post_url": "https://instagram.com/p/y", "caption": "#ad", "draft_file": draft})


def _values(world: World, principal: str) -> dict[str, Any]:
    return {"campaign_id": ident(world, "campaign_id"), "creator_org_id": world.creator.pk}


def _counter(world: World, principal: str) -> dict[str, Any]:
    data = copy.deepcopy(_terms())
    data["payment"]["milestones"][1]["amount"] = 125_000
    return {"terms": data, "message": "Slightly more"}


def _amendment(world: World, principal: str) -> dict[str, Any]:
    data = copy.deepcopy(_terms())
    data["payment"]["milestones"][2]["amount"] = 20_000
    return {"terms": data}


_KEY = {"Idempotency-Key": "authz-key"}
_creator = {"side": "creator"}
SIGNED_IDS = {"contract_id": "signed_contract_id"}
HOURLY_IDS = {"contract_id": "hourly_contract_id"}

MATRIX: dict[str, Expect] = {
    "GET /api/v1/contracts": by_role("viewer"),
    "GET /api/v1/contracts/inbox": by_role("viewer", side="creator"),
    "GET /api/v1/contracts/values-check": by_role("viewer", body=_values, other_tenant=404, operator=403),
    "POST /api/v1/contracts/offers": by_role("member", 201, body=_offer, other_tenant=404, operator=403),
    "POST /api/v1/contracts/applications": by_role("member", 201, body=_application, side="creator", operator=403),
    "GET /api/v1/contracts/{contract_id}": by_role("viewer", scoped=True),
    "GET /api/v1/contracts/{contract_id}/versions": by_role("viewer", scoped=True, side="creator"),
    "POST /api/v1/contracts/{contract_id}/counter": by_role("member", 201, body=_counter, scoped=True, **_creator),
    "POST /api/v1/contracts/{contract_id}/sign": by_role(
        "admin", 201, body={"typed_name": "Creator Admin", "version": 1}, scoped=True, **_creator
    ),
    "POST /api/v1/contracts/{contract_id}/decline": by_role("member", body={"reason": "no"}, scoped=True, **_creator),
    "POST /api/v1/contracts/{contract_id}/withdraw": by_role("member", body={"reason": "oops"}, scoped=True),
    "POST /api/v1/contracts/{contract_id}/amendments": by_role("member", 201, body=_amendment, scoped=True).with_ids(
        **SIGNED_IDS
    ),
    # Terminating needs the admin role; this contract still holds escrow, so an allowed caller gets 409.
    "POST /api/v1/contracts/{contract_id}/terminate": by_role(
        "admin", 409, body={"reason": "test"}, scoped=True
    ).with_ids(**SIGNED_IDS),
    "GET /api/v1/contracts/{contract_id}/pdf": by_role("viewer", scoped=True, **_creator),
    "GET /api/v1/contracts/{contract_id}/milestones": by_role("viewer", scoped=True).with_ids(**SIGNED_IDS),
    "GET /api/v1/milestones/{milestone_id}": by_role("viewer", scoped=True, **_creator).with_ids(
        milestone_id="submitted_milestone_id"
    ),
    "POST /api/v1/milestones/{milestone_id}/fund": by_role("member", scoped=True, headers=_KEY).with_ids(
        milestone_id="unfunded_milestone_id"
    ),
    "POST /api/v1/milestones/{milestone_id}/submissions": by_role(
        "member", 201, body={"post_url": "https://instagram.com/p/x", "caption": "#ad"}, scoped=True, **_creator
    ).with_ids(milestone_id="funded_milestone_id"),
    "POST /api/v1/milestones/{milestone_id}/submissions/upload": by_role(
        "member", 201, body=_upload, scoped=True, content_type=MULTIPART_CONTENT, **_creator
    ).with_ids(milestone_id="funded_milestone_id"),
    "GET /api/v1/submissions/{submission_id}/draft": by_role("viewer", scoped=True, **_creator),
    "POST /api/v1/milestones/{milestone_id}/approve": by_role(
        "member", body={"comment": "ok"}, scoped=True, headers=_KEY
    ).with_ids(milestone_id="submitted_milestone_id"),
    "POST /api/v1/milestones/{milestone_id}/request-changes": by_role(
        "member", body={"comment": "shorter"}, scoped=True
    ).with_ids(milestone_id="submitted_milestone_id"),
    "GET /api/v1/contracts/{contract_id}/time-entries": by_role("viewer", scoped=True, **_creator).with_ids(
        **HOURLY_IDS
    ),
    "POST /api/v1/contracts/{contract_id}/time-entries": by_role(
        "member",
        201,
        body=lambda w, p: {"work_date": clock.today().isoformat(), "minutes": 45},
        scoped=True,
        **_creator,
    ).with_ids(**HOURLY_IDS),
    "GET /api/v1/contracts/{contract_id}/timesheets": by_role("viewer", scoped=True).with_ids(**HOURLY_IDS),
    "POST /api/v1/timesheets/{timesheet_id}/submit": by_role("member", scoped=True, **_creator).with_ids(
        timesheet_id="open_timesheet_id"
    ),
    "POST /api/v1/timesheets/{timesheet_id}/approve": by_role("member", scoped=True, headers=_KEY).with_ids(
        timesheet_id="submitted_timesheet_id"
    ),
    "POST /api/v1/contracts/{contract_id}/finish-hourly": by_role("member", scoped=True, headers=_KEY).with_ids(
        contract_id="idle_hourly_contract_id"
    ),
    "POST /api/v1/timesheets/{timesheet_id}/query": by_role("member", body={"comment": "why?"}, scoped=True).with_ids(
        timesheet_id="submitted_timesheet_id"
    ),
}
