from __future__ import annotations

import json

import pytest
from django.test import Client

from accord.accounts import services
from accord.accounts.auth import Principal
from accord.accounts.models import ApiKey, Membership, Role
from accord.core.models import AuditRecord
from tests.conftest import Team, bearer, client_for


def _key(team: Team, scope: str = "write") -> tuple[ApiKey, str]:
    owner = Principal(organization=team.org, role=Role.OWNER, user=team.users["owner"])
    return services.create_api_key(owner, name="test", scope=scope)


def test_anonymous_gets_401_in_the_error_format(db: None) -> None:
    response = Client().get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_api_key_is_shown_once_stored_hashed_and_authenticates(team: Team) -> None:
    key, token = _key(team)
    assert token.startswith("acc_" + key.prefix + "_")
    assert token not in key.key_hash and len(key.key_hash) == 64
    me = bearer(token).get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["organization"]["id"] == team.org.pk
    assert me.json()["role"] == "member"
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_revoked_or_wrong_key_is_401(team: Team) -> None:
    key, token = _key(team)
    assert bearer(token[:-2] + "zz").get("/api/v1/me").status_code == 401
    services.revoke_api_key(Principal(organization=team.org, role=Role.OWNER, user=team.users["owner"]), key.pk)
    assert bearer(token).get("/api/v1/me").status_code == 401


def test_read_key_cannot_write_and_keys_cannot_manage_keys(team: Team) -> None:
    _, read_token = _key(team, "read")
    patch = bearer(read_token).patch(
        "/api/v1/organization", data=json.dumps({"country": "NL"}), content_type="application/json"
    )
    assert patch.status_code == 403
    _, write_token = _key(team, "write")
    created = bearer(write_token).post(
        "/api/v1/api-keys", data=json.dumps({"name": "x"}), content_type="application/json"
    )
    assert created.status_code == 403


def test_another_tenants_objects_answer_404(team: Team, other_team: Team) -> None:
    theirs = Membership.objects.filter(organization=other_team.org).first()
    assert theirs is not None
    client = client_for(team.users["owner"], team.org)
    assert client.get(f"/api/v1/members/{theirs.pk}").status_code == 404
    assert client.delete(f"/api/v1/members/{theirs.pk}").status_code == 404
    ids = {m["id"] for m in client.get("/api/v1/members").json()["items"]}
    assert theirs.pk not in ids


def test_acting_for_an_organization_you_do_not_belong_to_is_404(team: Team, other_team: Team) -> None:
    client = client_for(team.users["owner"], other_team.org)
    assert client.get("/api/v1/organization").status_code == 404


def test_cursor_pagination_walks_every_item_once(team: Team) -> None:
    client = client_for(team.users["owner"], team.org)
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/members", params).json()
        seen += [m["id"] for m in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(Membership.objects.filter(organization=team.org).values_list("id", flat=True))
    assert len(seen) == len(set(seen)) == 4
    bad = client.get("/api/v1/members", {"cursor": "!!not-a-cursor"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_cursor"


def test_validation_errors_name_the_fields(team: Team) -> None:
    response = client_for(team.users["owner"], team.org).post(
        "/api/v1/invitations",
        data=json.dumps({"email": "not-an-email", "role": "king"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert {"email", "role"} <= set(error["fields"])


def test_last_owner_cannot_leave_or_be_demoted(team: Team) -> None:
    owner_membership = Membership.objects.get(organization=team.org, user=team.users["owner"])
    client = client_for(team.users["owner"], team.org)
    demote = client.patch(
        f"/api/v1/members/{owner_membership.pk}", data=json.dumps({"role": "admin"}), content_type="application/json"
    )
    assert demote.status_code == 409 and demote.json()["error"]["code"] == "last_owner"
    assert client.delete(f"/api/v1/members/{owner_membership.pk}").status_code == 409


def test_admin_cannot_grant_owner(team: Team) -> None:
    viewer = Membership.objects.get(organization=team.org, user=team.users["viewer"])
    response = client_for(team.users["admin"], team.org).patch(
        f"/api/v1/members/{viewer.pk}", data=json.dumps({"role": "owner"}), content_type="application/json"
    )
    assert response.status_code == 403


def test_invitation_flow_by_email(team: Team, mailoutbox: list, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    client = client_for(team.users["admin"], team.org)
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            "/api/v1/invitations",
            data=json.dumps({"email": "New.Person@Example.test", "role": "member"}),
            content_type="application/json",
        )
    assert created.status_code == 201
    assert len(mailoutbox) == 1 and created.json()["accept_url"] in mailoutbox[0].body
    token = created.json()["accept_url"].rstrip("/").rsplit("/", 1)[1]
    from tests.conftest import make_org, make_user

    newcomer = make_user("new.person@example.test")
    make_org(owner=newcomer)
    accepted = client_for(newcomer).post(
        "/api/v1/invitations/accept", data=json.dumps({"token": token}), content_type="application/json"
    )
    assert accepted.status_code == 200 and accepted.json()["role"] == "member"
    again = client_for(newcomer).post(
        "/api/v1/invitations/accept", data=json.dumps({"token": token}), content_type="application/json"
    )
    assert again.status_code == 409


def test_operator_reads_across_tenants_and_is_audited(team: Team) -> None:
    operator = services.create_operator(email="op@example.test", password="operator-password-1")
    client = client_for(operator)
    assert client.get(f"/api/v1/operator/organizations/{team.org.pk}").status_code == 200
    assert AuditRecord.objects.filter(action="operator.viewed_organization", target_id=str(team.org.pk)).exists()
    assert client_for(team.users["owner"], team.org).get("/api/v1/operator/organizations").status_code == 403


@pytest.mark.django_db
def test_argon2_is_the_password_hasher(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user, _ = services.sign_up(
        email="argon@example.test", password="a-long-enough-password", name="A", organization_name="Argon", kind="brand"
    )
    assert user.password.startswith("argon2$")
