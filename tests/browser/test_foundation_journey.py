"""A newcomer, in a real browser: sign up a brand, create an API key, use it, sign out and in again."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.browser.conftest import missing_labels, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_brand_signs_up_and_creates_an_api_key(page: Any) -> None:
    page.goto("/")
    assert "Sign in to Accord" in page.content()
    assert missing_labels(page) == []
    screenshot(page, "en-first-visit")
    page.get_by_role("link", name="New here? Sign up a brand or creator").click()
    assert missing_labels(page) == []
    page.get_by_label("Your name").fill("Bea Brand")
    page.get_by_label("E-mail address").fill("bea@brand.test")
    page.get_by_label("Password").fill("a-good-long-password")
    page.get_by_label("Brand or creator name").fill("Bea's Bikes")
    page.get_by_label("I am a").select_option("brand")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/")
    assert "Welcome to Bea" in page.content()
    screenshot(page, "en-new-brand-dashboard")

    page.get_by_role("navigation").get_by_role("link", name="API keys").click()
    assert missing_labels(page) == []
    page.get_by_label("Name").fill("shop server")
    page.get_by_label("Access").select_option("write")
    page.get_by_role("button", name="Create key").click()
    token = page.locator("#new-token").inner_text().strip()
    assert token.startswith("acc_")
    screenshot(page, "en-api-keys")

    me = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert me.status_code == 200
    assert me.json()["organization"]["name"] == "Bea's Bikes"

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/**")
    page.get_by_label("E-mail address").fill("bea@brand.test")
    page.get_by_label("Password").fill("a-good-long-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    assert "Welcome to Bea" in page.content()


def test_keyboard_reaches_the_sign_in_form(page: Any) -> None:
    page.goto("/accounts/login/")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "username":
            break
    assert page.evaluate("document.activeElement.name") == "username"
