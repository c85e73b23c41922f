"""Campaign CRUD and lifecycle through the API and the services: every illegal transition is refused (409)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from accord.accounts.models import Organization, Role
from accord.campaigns.models import Campaign
from accord.campaigns.states import CAMPAIGN
from tests.conftest import Team, client_for, make_team

pytestmark = pytest.mark.django_db


def _post(client: Any, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, data=json.dumps(body), content_type="application/json")


def _patch(client: Any, path: str, body: dict[str, Any]) -> Any:
    return client.patch(path, data=json.dumps(body), content_type="application/json")


def test_create_read_update_and_list(team: Team, other_team: Team) -> None:
    client = client_for(team.users[Role.MEMBER], team.org)
    created = _post(client, "/api/v1/campaigns", {
        "name": "Autumn", "budget": 250_000, "currency": "EUR", "goals": "Awareness",
        "brand_categories": ["alcohol"], "platforms": ["instagram"],
        "target": {"countries": ["NL", "BE"], "age_bands": ["18-24"]},
    })  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["next_actions"]) == ("draft", ["cancel", "open"])
    cid = body["id"]
    updated = _patch(client, f"/api/v1/campaigns/{cid}", {"dos": "Be honest", "budget": 300_000})
    assert updated.json()["budget"] == 300_000
    assert client.get("/api/v1/campaigns").json()["items"][0]["id"] == cid
    assert client_for(other_team.users[Role.OWNER], other_team.org).get(f"/api/v1/campaigns/{cid}").status_code == 404
    assert client_for(team.users[Role.VIEWER], team.org).get(f"/api/v1/campaigns/{cid}").status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "brand_categories": ["sweets"]}, "brand_categories"),
        ({"name": "x", "platforms": ["myspace"]}, "platforms"),
        ({"name": "x", "target": {"countries": ["XX"]}}, "target.countries"),
        ({"name": "x", "currency": "ABC"}, "currency"),
        ({"name": "x", "starts_on": "2026-05-01", "ends_on": "2026-04-01"}, "ends_on"),
    ],
)
def test_invalid_briefs_are_refused(team: Team, body: dict, field: str) -> None:
    response = _post(client_for(team.users[Role.OWNER], team.org), "/api/v1/campaigns", body)
    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]


def test_lifecycle_and_every_illegal_transition(team: Team) -> None:
    client = client_for(team.users[Role.OWNER], team.org)
    for start in CAMPAIGN.states:
        for action in ("open", "activate", "complete", "cancel"):
            campaign = Campaign.objects.create(brand=team.org, name="c", status=start)
            response = _post(client, f"/api/v1/campaigns/{campaign.pk}/transition", {"action": action})
            if CAMPAIGN.allowed(start, action):
                assert response.status_code == 200, (start, action)
                assert response.json()["status"] == CAMPAIGN.next(start, action)
            else:
                assert response.status_code == 409, (start, action)
                error = response.json()["error"]
                assert error["code"] == "illegal_transition"
                assert error["message"] == f"campaign is {start}: cannot {action}"


def test_brief_is_frozen_once_active(team: Team) -> None:
    campaign = Campaign.objects.create(brand=team.org, name="c", status="active")
    response = _patch(client_for(team.users[Role.OWNER], team.org), f"/api/v1/campaigns/{campaign.pk}", {"dos": "x"})
    assert response.status_code == 409


def test_creators_browse_open_campaigns_only(team: Team) -> None:
    Campaign.objects.create(brand=team.org, name="open", status="open", open_for_applications=True)
    Campaign.objects.create(brand=team.org, name="invite only", status="open", open_for_applications=False)
    Campaign.objects.create(brand=team.org, name="draft", status="draft", open_for_applications=True)
    creator = make_team(Organization.Kind.CREATOR)
    names = [c["name"] for c in client_for(creator.users[Role.VIEWER], creator.org).get(
        "/api/v1/campaigns/open").json()["items"]]  # fmt: skip
    assert names == ["open"]
    assert client_for(team.users[Role.OWNER], team.org).get("/api/v1/campaigns/open").status_code == 403
    assert (
        _post(client_for(creator.users[Role.OWNER], creator.org), "/api/v1/campaigns", {"name": "x"}).status_code == 403
    )


def test_only_untouched_drafts_can_be_deleted(team: Team) -> None:
    client = client_for(team.users[Role.MEMBER], team.org)
    draft = Campaign.objects.create(brand=team.org, name="draft")
    opened = Campaign.objects.create(brand=team.org, name="open", status="open")
    assert client.delete(f"/api/v1/campaigns/{draft.pk}").status_code == 204
    assert not Campaign.objects.filter(pk=draft.pk).exists()
    assert client.delete(f"/api/v1/campaigns/{opened.pk}").status_code == 409
    assert client_for(team.users[Role.VIEWER], team.org).delete(f"/api/v1/campaigns/{opened.pk}").status_code == 403
