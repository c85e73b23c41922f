from __future__ import annotations

import re

import pytest
from django.test import Client

from accord.accounts.models import ApiKey, Membership, Role, User
from tests.conftest import client_for
from tests.contracts.helpers import make_deal


def test_healthz_and_readyz(db: None) -> None:
    client = Client()
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"


def test_openapi_is_served_at_the_documented_address(db: None) -> None:
    schema = Client().get("/api/openapi.json").json()
    assert "/api/v1/me" in schema["paths"]


@pytest.mark.django_db
def test_newcomer_signs_up_creates_a_key_and_calls_the_api() -> None:
    """The README's first steps, through the real pages."""
    browser = Client()
    assert browser.get("/").status_code == 302
    assert "Sign in to Accord" in browser.get("/accounts/login/").content.decode()
    response = browser.post(
        "/accounts/signup/",
        {
            "name": "Bea Brand",
            "email": "bea@brand.test",
            "password": "a-good-long-password",
            "organization_name": "Bea's Bikes",
            "kind": "brand",
            "country": "NL",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="bea@brand.test")
    assert Membership.objects.get(user=user).role == "owner"
    page = browser.post("/accounts/api-keys/", {"name": "shop server", "scope": "write"})
    token = re.search(r'id="new-token">(acc_[^<]+)<', page.content.decode())
    assert token, page.content.decode()[:3000]
    assert ApiKey.objects.filter(organization__name="Bea's Bikes").count() == 1
    me = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token.group(1)}")
    assert me.status_code == 200 and me.json()["organization"]["name"] == "Bea's Bikes"


@pytest.mark.django_db
def test_signup_rejects_a_taken_email_and_a_weak_password() -> None:
    data = {
        "name": "X",
        "email": "x@brand.test",
        "password": "a-good-long-password",
        "organization_name": "X",
        "kind": "brand",
    }
    assert Client().post("/accounts/signup/", data).status_code == 302
    again = Client().post("/accounts/signup/", data)
    assert again.status_code == 200 and "already exists" in again.content.decode()
    weak = Client().post("/accounts/signup/", {**data, "email": "y@brand.test", "password": "1234567890"})
    assert weak.status_code == 200 and "errorlist" in weak.content.decode()


@pytest.mark.django_db
def test_password_reset_sends_a_working_link(mailoutbox: list) -> None:
    User.objects.create_user("reset@brand.test", "old-password-123")
    Client().post("/accounts/password-reset/", {"email": "reset@brand.test"})
    assert len(mailoutbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mailoutbox[0].body)
    assert link
    browser = Client()
    form = browser.get(link.group(1), follow=True)
    assert form.status_code == 200
    done = browser.post(
        form.redirect_chain[-1][0], {"new_password1": "brand-new-pass-42", "new_password2": "brand-new-pass-42"}
    )
    assert done.status_code == 302
    assert Client().login(email="reset@brand.test", password="brand-new-pass-42")


@pytest.mark.django_db
def test_members_page_invites_by_email(mailoutbox: list, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    browser = Client()
    browser.post(
        "/accounts/signup/",
        {
            "name": "O",
            "email": "o@brand.test",
            "password": "a-good-long-password",
            "organization_name": "O Co",
            "kind": "brand",
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post("/accounts/members/", {"email": "friend@brand.test", "role": "member"})
    assert response.status_code == 302
    assert "friend@brand.test" in mailoutbox[0].to


@pytest.mark.django_db
def test_brands_and_creators_find_disputes_in_the_header() -> None:
    deal = make_deal(deposit=0)
    for user, org in ((deal.brand_users[Role.OWNER], deal.brand), (deal.creator_users[Role.OWNER], deal.creator)):
        page = client_for(user, org).get("/").content.decode()
        nav = page.split('<nav aria-label="Main">', 1)[1].split("</nav>", 1)[0]
        assert '<a href="/disputes/">Disputes</a>' in nav
