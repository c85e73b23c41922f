from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from accord.accounts.api import principal
from accord.accounts.models import Organization
from accord.campaigns import services
from accord.campaigns.models import Campaign
from accord.campaigns.states import CAMPAIGN
from accord.core.pagination import CursorPagination
from accord.core.schemas import ERRORS, responses

router = Router(tags=["campaigns"])


class Target(Schema):
    age_bands: list[str] = Field(default_factory=list)
    genders: list[str] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)
    interests: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)


class CampaignOut(Schema):
    id: int
    brand_id: int
    name: str
    status: str
    goals: str
    key_messages: str
    dos: str
    donts: str
    description: str
    deliverables_wanted: list[Any]
    platforms: list[str]
    starts_on: date | None
    ends_on: date | None
    budget: int = Field(..., description="Minor units of currency")
    currency: str
    target: dict[str, Any]
    brand_categories: list[str]
    open_for_applications: bool
    created_at: datetime
    status_changed_at: datetime | None
    next_actions: list[str]

    @staticmethod
    def resolve_next_actions(obj: Campaign) -> list[str]:
        return CAMPAIGN.actions_from(obj.status)


class OpenCampaignOut(Schema):
    id: int
    brand_id: int
    brand_name: str = Field(..., alias="brand.name")
    name: str
    goals: str
    key_messages: str
    dos: str
    donts: str
    description: str
    deliverables_wanted: list[Any]
    platforms: list[str]
    starts_on: date | None
    ends_on: date | None
    currency: str
    target: dict[str, Any]
    brand_categories: list[str]


class CampaignIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    goals: str = ""
    key_messages: str = ""
    dos: str = ""
    donts: str = ""
    description: str = ""
    deliverables_wanted: list[Any] = Field(default_factory=list)
    platforms: list[str] = Field(default_factory=list)
    starts_on: date | None = None
    ends_on: date | None = None
    budget: int = Field(0, ge=0)
    currency: str | None = Field(None, min_length=3, max_length=3)
    target: Target = Field(default_factory=Target)
    brand_categories: list[str] = Field(default_factory=list)
    open_for_applications: bool = False


class CampaignPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    goals: str | None = None
    key_messages: str | None = None
    dos: str | None = None
    donts: str | None = None
    description: str | None = None
    deliverables_wanted: list[Any] | None = None
    platforms: list[str] | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    budget: int | None = Field(None, ge=0)
    currency: str | None = Field(None, min_length=3, max_length=3)
    target: Target | None = None
    brand_categories: list[str] | None = None
    open_for_applications: bool | None = None


class TransitionIn(Schema):
    action: Literal["open", "activate", "complete", "cancel"]


@router.get("/campaigns", response=responses(list[CampaignOut]))
@paginate(CursorPagination)
def list_campaigns(request: HttpRequest) -> Any:
    """Your organization's campaigns (brands)."""
    return services.list_campaigns(principal(request))


@router.post("/campaigns", response=responses(CampaignOut, 201))
def create_campaign(request: HttpRequest, payload: CampaignIn) -> Status:
    data = payload.dict()
    if data["currency"] is None:
        data.pop("currency")
    return Status(201, services.create_campaign(principal(request), **data))


@router.get("/campaigns/open", response=responses(list[OpenCampaignOut]))
@paginate(CursorPagination)
def list_open_campaigns(request: HttpRequest) -> Any:
    """Campaigns open for applications, for creators to browse and apply to."""
    actor = principal(request)
    actor.require_kind(Organization.Kind.CREATOR, Organization.Kind.OPERATOR)
    return services.open_campaigns()


@router.get("/campaigns/{campaign_id}", response=responses(CampaignOut))
def get_campaign(request: HttpRequest, campaign_id: int) -> Campaign:
    return services.get_campaign(principal(request), campaign_id)


@router.patch("/campaigns/{campaign_id}", response=responses(CampaignOut))
def update_campaign(request: HttpRequest, campaign_id: int, payload: CampaignPatch) -> Campaign:
    data = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None or k in ("starts_on", "ends_on")}
    return services.update_campaign(principal(request), campaign_id, **data)


@router.delete("/campaigns/{campaign_id}", response={204: None, **ERRORS})
def delete_campaign(request: HttpRequest, campaign_id: int) -> Status:
    """Delete a draft campaign without offers; later ones are cancelled instead (409)."""
    services.delete_campaign(principal(request), campaign_id)
    return Status(204, None)


@router.post("/campaigns/{campaign_id}/transition", response=responses(CampaignOut))
def transition_campaign(request: HttpRequest, campaign_id: int, payload: TransitionIn) -> Campaign:
    """Move the campaign: open (draft → open), activate, complete, cancel. Illegal moves answer 409."""
    return services.transition(principal(request), campaign_id, payload.action)
