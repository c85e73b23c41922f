"""Shared fixtures: organizations with members of every role, API clients, the movable clock, database vendor."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import translation

from accord.accounts import services as accounts
from accord.accounts.auth import ORG_HEADER
from accord.accounts.models import Membership, Organization, Role, User
from accord.core import clock
from tests.browser import conftest as browser_helpers

PASSWORD = "correct-horse-battery-staple"
_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def _fast_hasher(settings: Any) -> None:
    # Argon2 is the production hasher (tested on its own); tests hash hundreds of passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _system_clock() -> Iterator[None]:
    yield
    clock.set_now(None)


@pytest.fixture(autouse=True)
def _back_to_the_default_language() -> Iterator[None]:
    # LocaleMiddleware activates a request's language on the thread and nothing deactivates it: after a Dutch page
    # in the test client, later tests in this process would otherwise run in Dutch.
    yield
    translation.deactivate()


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if is_postgres():
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set ACCORD_DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def make_user(email: str | None = None, name: str = "") -> User:
    n = next(_seq)
    return User.objects.create_user(email or f"user{n}@example.test", PASSWORD, name=name or f"User {n}")


def make_org(
    kind: str = Organization.Kind.BRAND, name: str | None = None, owner: User | None = None
) -> tuple[Organization, User]:
    owner = owner or make_user()
    org = accounts.create_organization(owner, name=name or f"Org {next(_seq)}", kind=kind)
    return org, owner


def add_member(org: Organization, role: str, user: User | None = None) -> User:
    user = user or make_user()
    Membership.objects.create(user=user, organization=org, role=role)
    return user


@dataclass
class Team:
    org: Organization
    users: dict[str, User] = field(default_factory=dict)


def make_team(kind: str = Organization.Kind.BRAND) -> Team:
    org, owner = make_org(kind)
    team = Team(org, {Role.OWNER: owner})
    for role in (Role.VIEWER, Role.MEMBER, Role.ADMIN):
        team.users[role] = add_member(org, role)
    return team


def client_for(user: User | None, org: Organization | None = None, **headers: str) -> Client:
    c = Client(enforce_csrf_checks=False)
    if user is not None:
        c.force_login(user)
    if org is not None:
        headers.setdefault(ORG_HEADER, str(org.pk))
    c.defaults.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()})
    return c


def run_worker(worker_id: str = "test-worker") -> None:
    """The real django-tasks database worker, until the queue is empty: what `accord worker` does in production."""
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    ).run()


def bearer(token: str) -> Client:
    return client_for(None, Authorization=f"Bearer {token}")


@pytest.fixture
def team(db: None) -> Team:
    return make_team()


@pytest.fixture
def other_team(db: None) -> Team:
    return make_team()


# --- browser tests: Playwright driving Debian's Chromium against pytest-django's live server ---------------------
# One session-wide browser per test process: a second sync_playwright() in the same process is refused.


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(browser_helpers.CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {browser_helpers.CHROMIUM}: .ci/run installs Debian's chromium")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=browser_helpers.CHROMIUM, headless=True, args=browser_helpers.CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    pg = context.new_page()
    yield pg
    context.close()
