"""Pages in Dutch: chosen by the browser's Accept-Language or by the language switch in the header, with Dutch
text and Dutch money (and amounts typed the Dutch way) on a real page; English stays the default."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from accord.accounts.models import Role
from accord.campaigns.models import Campaign
from accord.escrow.models import Deposit
from tests.conftest import client_for, make_team
from tests.escrow.helpers import campaign_for

pytestmark = pytest.mark.django_db
NBSP = "\xa0"


def test_the_browser_language_picks_dutch_and_english_stays_the_default() -> None:
    dutch = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="nl-NL,nl;q=0.9,en;q=0.5").content.decode()
    assert '<html lang="nl">' in dutch and "Inloggen bij Accord" in dutch and "Wachtwoord vergeten?" in dutch
    english = Client().get("/accounts/login/").content.decode()
    assert '<html lang="en">' in english and "Sign in to Accord" in english


def test_the_language_switch_changes_the_language_of_the_next_pages() -> None:
    c = Client()
    switched = c.post("/i18n/setlang/", {"language": "nl", "next": "/accounts/signup/"})
    assert switched.status_code == 302 and switched.url == "/accounts/signup/"
    page = c.get(switched.url).content.decode()
    assert "Maak je Accord-account" in page and "Create your Accord account" not in page
    # The switch names each language in its own words, whatever the page's language.
    assert '<option value="en" lang="en">English</option>' in page
    assert '<option value="nl" lang="nl" selected>Nederlands</option>' in page
    c.post("/i18n/setlang/", {"language": "en", "next": "/accounts/signup/"})
    assert "Create your Accord account" in c.get("/accounts/signup/").content.decode()


def test_a_brand_funds_in_dutch_with_dutch_amounts(settings: Any) -> None:
    settings.ACCORD_STRIPE_API_KEY = ""
    team = make_team()
    campaign = campaign_for(team.org)
    c = client_for(team.users[Role.MEMBER], team.org)
    c.post("/i18n/setlang/", {"language": "nl", "next": "/"})

    html = c.get(f"/escrow/campaigns/{campaign.pk}/").content.decode()
    assert "Deze campagne financieren" in html and f"€{NBSP}0,00" in html
    key = re.search(r'name="key" value="([0-9a-f]{32})"', html)
    assert key
    form = {"amount": "2.500,50", "provider": "manual", "key": key.group(1)}
    review = c.post(f"/escrow/campaigns/{campaign.pk}/fund/", form).content.decode()
    assert "De storting bevestigen" in review and f"€{NBSP}2.500,50" in review

    refused = c.post(f"/escrow/campaigns/{campaign.pk}/fund/", {**form, "amount": "2500.50"}).content.decode()
    assert "Vul een bedrag in zoals 2500,00." in refused  # ambiguous in Dutch: asked again, never guessed
    c.post(f"/escrow/campaigns/{campaign.pk}/fund/", {**form, "confirm": "yes"})
    assert Deposit.objects.get().amount == 250_050


def test_the_chosen_language_is_saved_on_the_account_and_used_on_another_browser() -> None:
    team = make_team()
    user = team.users[Role.MEMBER]
    c = client_for(user, team.org)
    c.post("/i18n/setlang/", {"language": "nl", "next": "/"})
    c.get("/accounts/members/")
    user.refresh_from_db()
    assert user.language == "nl"  # e-mails and digests sent later by workers use it

    elsewhere = client_for(user, team.org)  # no language cookie; an English browser
    page = elsewhere.get("/accounts/members/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="nl">' in page and '<caption class="sr-only">Leden</caption>' in page


def test_a_dutch_browser_makes_dutch_the_accounts_language() -> None:
    team = make_team()
    user = team.users[Role.MEMBER]
    page = client_for(user, team.org).get("/accounts/members/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert '<html lang="nl">' in page
    user.refresh_from_db()
    assert user.language == "nl"


def test_a_dutch_brand_types_the_campaign_budget_the_dutch_way() -> None:
    team = make_team()
    c = client_for(team.users[Role.MEMBER], team.org)
    c.post("/i18n/setlang/", {"language": "nl", "next": "/"})
    created = c.post("/campaigns/", {"name": "Lente", "budget": "2500,50", "currency": "EUR"})
    assert created.status_code == 302
    detail = c.get(created.url).content.decode()
    assert f"€{NBSP}2.500,50" in detail and 'value="2500,50"' in detail  # shown and offered back the Dutch way
    assert ">Openen</button>" in detail and ">Annuleren</button>" in detail  # lifecycle buttons, in Dutch
    assert Campaign.objects.get(name="Lente").budget == 250_050
