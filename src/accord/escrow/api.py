"""Escrow API. Brands fund a campaign's escrow and see its balance and holds; creators see their balances; operators
confirm manual deposits. Money-moving POSTs require an ``Idempotency-Key`` header."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from accord.accounts.api import principal
from accord.accounts.auth import Principal
from accord.accounts.models import Organization, Role
from accord.campaigns.models import Campaign
from accord.core.errors import PermissionDenied
from accord.core.idempotency import require_key
from accord.core.pagination import CursorPagination
from accord.core.schemas import ErrorOut, responses
from accord.core.tenancy import get_scoped
from accord.escrow import services, webhooks
from accord.escrow.models import Deposit, EscrowHold

router = Router(tags=["escrow"])


class DepositIn(Schema):
    amount: int = Field(..., gt=0, description="Integer minor units of the campaign's currency")
    provider: str = Field(
        "manual",
        description="Payment provider: 'manual' (bank transfer with a reference) or, when configured, 'stripe' (card)",
    )


class DepositOut(Schema):
    id: int
    campaign_id: int
    amount: int
    currency: str
    provider: str
    reference: str
    status: str
    created_at: datetime
    confirmed_at: datetime | None
    instructions: dict[str, str]

    @staticmethod
    def resolve_instructions(obj: Deposit) -> dict[str, str]:
        return services.deposit_instructions(obj)


class ConfirmIn(Schema):
    provider_ref: str | None = Field(None, max_length=120, description="The bank's id of the incoming payment")


class CampaignEscrowOut(Schema):
    campaign_id: int
    currency: str
    balance: int
    held: int
    available: int
    deposited: int
    awaiting: int
    released: int
    fees: int
    accrued: int
    refunded: int


class HoldOut(Schema):
    id: int
    campaign_id: int
    creator_id: int
    reference_type: str
    reference_id: str
    amount: int
    currency: str
    status: str
    released_amount: int
    fee_amount: int
    expires_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_status(obj: EscrowHold) -> str:
        return obj.hold.status

    @staticmethod
    def resolve_expires_at(obj: EscrowHold) -> datetime | None:
        return obj.hold.expires_at


class CurrencyBalanceOut(Schema):
    currency: str
    pending: int
    payable: int


class CampaignSummaryOut(Schema):
    campaign_id: int
    campaign_name: str
    currency: str
    funded: int
    held: int
    released: int
    pending: int
    payable: int


class CreatorBalancesOut(Schema):
    balances: list[CurrencyBalanceOut]
    campaigns: list[CampaignSummaryOut]


def _brand_campaign(p: Principal, campaign_id: int, minimum: str = Role.VIEWER) -> Campaign:
    campaign = get_scoped(Campaign.objects.all(), p.org_id, "brand", pk=campaign_id)
    p.require(minimum)
    return campaign


@router.post(
    "/campaigns/{campaign_id}/escrow/deposits",
    response={**responses(DepositOut, 201), 503: ErrorOut},
    summary="Fund a campaign's escrow (returns the payment reference; for 'stripe' the checkout's client_secret)",
)
def create_deposit(request: HttpRequest, campaign_id: int, payload: DepositIn) -> Status:
    p = principal(request)
    _brand_campaign(p, campaign_id, Role.MEMBER)
    require_key(request)
    key = request.headers.get("Idempotency-Key", "")
    deposit = services.start_deposit(
        p, campaign_id=campaign_id, amount=payload.amount, key=key, provider=payload.provider
    )
    return Status(201, deposit)


@router.get(
    "/campaigns/{campaign_id}/escrow/deposits", response=responses(list[DepositOut]), summary="A campaign's deposits"
)
@paginate(CursorPagination)
def list_deposits(request: HttpRequest, campaign_id: int) -> Any:
    campaign = _brand_campaign(principal(request), campaign_id)
    return Deposit.objects.filter(campaign=campaign)


@router.get(
    "/campaigns/{campaign_id}/escrow", response=responses(CampaignEscrowOut), summary="A campaign's escrow balance"
)
def get_campaign_escrow(request: HttpRequest, campaign_id: int) -> services.CampaignEscrow:
    return services.campaign_escrow(_brand_campaign(principal(request), campaign_id))


@router.get(
    "/campaigns/{campaign_id}/escrow/holds",
    response=responses(list[HoldOut]),
    summary="Escrow reserved for creators in a campaign",
)
@paginate(CursorPagination)
def list_holds(request: HttpRequest, campaign_id: int) -> Any:
    campaign = _brand_campaign(principal(request), campaign_id)
    return EscrowHold.objects.filter(campaign=campaign).select_related("hold")


@router.get("/escrow/balances", response=responses(CreatorBalancesOut), summary="A creator's balances per campaign")
def creator_balances(request: HttpRequest) -> dict[str, Any]:
    p = principal(request)
    p.require_kind(Organization.Kind.CREATOR)
    return {"balances": services.creator_balances(p.org_id), "campaigns": services.creator_summary(p.org_id)}


@router.post(
    "/operator/escrow/deposits/{deposit_id}/confirm",
    response=responses(DepositOut),
    summary="Operator: confirm a manual deposit was received (books it into escrow)",
)
def confirm_deposit(request: HttpRequest, deposit_id: int, payload: ConfirmIn) -> Deposit:
    p = principal(request)
    if not p.is_operator:
        raise PermissionDenied("only operators confirm deposits")
    require_key(request)
    return services.confirm_deposit(p, deposit_id=deposit_id, provider_ref=payload.provider_ref)


class StripeWebhookOut(Schema):
    status: str = Field(..., description="applied | duplicate | ignored")
    event_id: str
    type: str
    outcome: str
    deposit_id: int | None


_RAW_JSON = {"requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}}


@router.post(
    "/webhooks/stripe",
    auth=None,
    response={**responses(StripeWebhookOut), 503: ErrorOut},
    summary="Stripe webhook (Stripe-Signature verified): payment_intent.succeeded books a card deposit into escrow",
    openapi_extra=_RAW_JSON,
)
def stripe_webhook(request: HttpRequest) -> webhooks.WebhookResult:
    return webhooks.handle(request.body, request.headers.get("Stripe-Signature"))
