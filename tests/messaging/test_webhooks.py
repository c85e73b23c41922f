"""Outgoing webhooks against a real HTTP receiver on 127.0.0.1: signatures, retries with backoff, redelivery."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.accounts.auth import Principal
from accord.accounts.models import Organization, Role
from accord.core import clock
from accord.messaging import events, jobs, services, signing, webhooks
from accord.messaging.models import WebhookDelivery, WebhookEndpoint
from tests.conftest import Team, client_for, make_team
from tests.messaging.conftest import Receiver, free_port

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


# -- signatures (pure) ---------------------------------------------------------------------------------------------


def test_signature_round_trip_and_format() -> None:
    header = signing.sign("whsec_abc", 1_700_000_000, b'{"a":1}')
    t, v1 = header.split(",")
    assert t == "t=1700000000" and v1.startswith("v1=") and len(v1) == 3 + 64
    assert signing.verify("whsec_abc", header, b'{"a":1}', now=1_700_000_100) == 1_700_000_000


@pytest.mark.parametrize(
    ("secret", "body", "now", "header"),
    [
        ("other", b'{"a":1}', 1_700_000_000, None),  # wrong secret
        ("whsec_abc", b'{"a":2}', 1_700_000_000, None),  # tampered body
        ("whsec_abc", b'{"a":1}', 1_700_000_301, None),  # too old: a replay
        ("whsec_abc", b'{"a":1}', 1_700_000_000, "v1=abc"),  # no timestamp
        ("whsec_abc", b'{"a":1}', 1_700_000_000, "t=soon,v1=abc"),  # malformed
    ],
)
def test_signature_refusals(secret: str, body: bytes, now: int, header: str | None) -> None:
    header = header or signing.sign("whsec_abc", 1_700_000_000, b'{"a":1}')
    with pytest.raises(signing.SignatureError):
        signing.verify(secret, header, body, now=now)


@settings(max_examples=50, deadline=None)
@given(body=st.binary(max_size=300), t=st.integers(min_value=0, max_value=2**33), flip=st.integers(0, 63))
def test_any_changed_signature_digit_is_refused(body: bytes, t: int, flip: int) -> None:
    header = signing.sign("whsec_k", t, body)
    assert signing.verify("whsec_k", header, body, now=t) == t
    digest = header.split("v1=")[1]
    changed = digest[:flip] + ("0" if digest[flip] != "0" else "1") + digest[flip + 1 :]
    with pytest.raises(signing.SignatureError):
        signing.verify("whsec_k", f"t={t},v1={changed}", body, now=t)


def test_backoff_doubles_and_is_capped() -> None:
    assert [signing.backoff_seconds(n, base=30) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert signing.backoff_seconds(30, base=30, cap=3600) == 3600


# -- delivery against a real local server --------------------------------------------------------------------------


@pytest.fixture
def brand(db: None) -> Team:
    return make_team(Organization.Kind.BRAND)


def _admin(team: Team) -> Principal:
    return Principal(organization=team.org, role=Role.ADMIN, user=team.users[Role.ADMIN])


def _endpoint(team: Team, url: str, types: list[str] | None = None) -> WebhookEndpoint:
    return services.create_endpoint(_admin(team), url=url, event_types=types or ["milestone.released"])


def _publish(team: Team, event: str = "milestone.released") -> None:
    events.publish(
        event, subject="contract:9", organization_ids=[team.org.pk], actor_label="accord", data={"amount": 120000}
    )


@pytest.mark.usefixtures("immediate_tasks")
def test_event_is_delivered_signed(receiver: Receiver, brand: Team, django_capture_on_commit_callbacks: Any) -> None:
    ep = _endpoint(brand, receiver.url)
    clock.set_now(T0)
    with django_capture_on_commit_callbacks(execute=True):
        _publish(brand)
        _publish(brand, "offer.sent")  # not subscribed: not sent
    [req] = receiver.requests
    assert req.path == "/hooks/accord" and req.headers["Content-Type"] == "application/json"
    assert signing.verify(ep.secret, req.headers[signing.HEADER], req.body, now=int(T0.timestamp())) == int(
        T0.timestamp()
    )
    payload = json.loads(req.body)
    assert payload["type"] == "milestone.released" and payload["subject"] == "contract:9"
    assert payload["data"] == {"amount": 120000} and payload["organization_id"] == brand.org.pk
    assert req.headers["Accord-Event-Id"] == payload["id"]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 1, 200)
    [attempt] = delivery.attempt_log.all()
    assert attempt.succeeded and attempt.status_code == 200 and attempt.latency_ms >= 0


@pytest.mark.usefixtures("immediate_tasks")
def test_failures_are_retried_with_exponential_backoff(
    receiver: Receiver, brand: Team, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.script = [500, 503, 302]  # fails three times (a redirect is no success), then 200
    ep = _endpoint(brand, receiver.url)
    clock.set_now(T0)
    with django_capture_on_commit_callbacks(execute=True):
        _publish(brand)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("pending", 1, T0 + timedelta(seconds=30))
    steps = [(29, 0), (1, 1), (59, 0), (1, 1), (119, 0), (1, 1)]  # waits of 30 s, 60 s, 120 s
    for wait, attempts in steps:
        clock.advance(timedelta(seconds=wait))
        assert jobs.webhook_retries() == attempts, f"after +{wait}s"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 4)
    log = list(delivery.attempt_log.order_by("number"))
    assert [a.status_code for a in log] == [500, 503, 302, 200]
    assert [a.started_at for a in log] == [T0 + timedelta(seconds=s) for s in (0, 30, 90, 210)]
    assert [a.succeeded for a in log] == [False, False, False, True]
    assert all(a.latency_ms >= 0 for a in log) and "try later" in log[0].response_excerpt
    # Every attempt carried the same event, signed at its own time.
    assert len({r.headers["Accord-Event-Id"] for r in receiver.requests}) == 1
    for req, a in zip(receiver.requests, log, strict=True):
        assert signing.verify(ep.secret, req.headers[signing.HEADER], req.body, now=int(a.started_at.timestamp()))
    assert jobs.webhook_retries() == 0


@pytest.mark.usefixtures("immediate_tasks", "allow_loopback_webhooks")
def test_gives_up_after_max_attempts(brand: Team, settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    settings.ACCORD_WEBHOOK_MAX_ATTEMPTS = 3
    _endpoint(brand, f"http://127.0.0.1:{free_port()}/nobody-listens")
    clock.set_now(T0)
    with django_capture_on_commit_callbacks(execute=True):
        _publish(brand)
    for _ in range(5):
        clock.advance(timedelta(hours=1))
        webhooks.retry_due()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 3, None)
    assert delivery.completed_at is not None
    assert all(a.status_code is None and "refused" in a.error.lower() for a in delivery.attempt_log.all())


@pytest.mark.usefixtures("immediate_tasks")
def test_manual_redelivery_through_the_api(
    receiver: Receiver, brand: Team, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.script = [500]
    _endpoint(brand, receiver.url)
    clock.set_now(T0)
    with django_capture_on_commit_callbacks(execute=True):
        _publish(brand)
    first = WebhookDelivery.objects.get()
    assert first.status == "pending"
    admin = client_for(brand.users[Role.ADMIN], brand.org)
    with django_capture_on_commit_callbacks(execute=True):
        r = admin.post(f"/api/v1/webhook-deliveries/{first.pk}/redeliver")
    assert r.status_code == 201, r.content
    again = WebhookDelivery.objects.get(pk=r.json()["id"])
    assert again.redelivery_of_id == first.pk and again.event_id == first.event_id and again.body == first.body
    assert (again.status, again.attempts) == ("succeeded", 1)
    assert receiver.requests[0].body == receiver.requests[1].body
    detail = admin.get(f"/api/v1/webhook-deliveries/{first.pk}").json()
    assert [a["status_code"] for a in detail["attempt_log"]] == [500]
    member = client_for(brand.users[Role.MEMBER], brand.org)
    assert member.post(f"/api/v1/webhook-deliveries/{first.pk}/redeliver").status_code == 403


@pytest.mark.usefixtures("immediate_tasks")
def test_a_claimed_attempt_is_not_sent_twice(
    receiver: Receiver, brand: Team, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.script = [500]
    _endpoint(brand, receiver.url)
    clock.set_now(T0)
    with django_capture_on_commit_callbacks(execute=True):
        _publish(brand)
    delivery = WebhookDelivery.objects.get()
    clock.advance(timedelta(seconds=30))
    assert webhooks.attempt(delivery.pk) is not None
    assert webhooks.attempt(delivery.pk) is None  # already done: the queue's copy and the sweep do not repeat it
    assert len(receiver.requests) == 2


def test_endpoint_api_shows_the_secret_once(brand: Team) -> None:
    admin = client_for(brand.users[Role.ADMIN], brand.org)
    r = admin.post(
        "/api/v1/webhook-endpoints",
        {"url": "https://example.test/hooks", "event_types": ["offer.sent", "contract.signed"]},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    created = r.json()
    assert created["secret"].startswith("whsec_")
    shown = admin.get(f"/api/v1/webhook-endpoints/{created['id']}").json()
    assert "secret" not in shown and shown["event_types"] == ["contract.signed", "offer.sent"]
    listed = admin.get("/api/v1/webhook-endpoints").json()["items"]
    assert [e["id"] for e in listed] == [created["id"]] and "secret" not in listed[0]
    bad = admin.post(
        "/api/v1/webhook-endpoints",
        {"url": "ftp://example.test/x", "event_types": ["*"]},
        content_type="application/json",
    )
    assert bad.status_code == 422
    plain = admin.post(
        "/api/v1/webhook-endpoints",
        {"url": "http://example.test/x", "event_types": ["*"]},
        content_type="application/json",
    )
    assert plain.status_code == 422 and plain.json()["error"]["fields"]["url"]
    rotated = admin.post(f"/api/v1/webhook-endpoints/{created['id']}/rotate-secret").json()
    assert rotated["secret"] != created["secret"]


@pytest.mark.usefixtures("immediate_tasks")
def test_other_organizations_endpoints_get_nothing(
    receiver: Receiver, brand: Team, django_capture_on_commit_callbacks: Any
) -> None:
    other = make_team(Organization.Kind.BRAND)
    _endpoint(other, receiver.url, ["*"])
    with django_capture_on_commit_callbacks(execute=True):
        _publish(brand)
    assert receiver.requests == [] and not WebhookDelivery.objects.exists()
    admin = client_for(brand.users[Role.ADMIN], brand.org)
    ep = WebhookEndpoint.objects.get()
    assert admin.get(f"/api/v1/webhook-endpoints/{ep.pk}").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "http://example.test/hook",  # plain http
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://[::1]/hook",
        "https://169.254.169.254/latest/meta-data",  # cloud metadata
        "https://localhost/hook",
        "https://user:pw@example.test/hook",
        "file:///etc/passwd",
    ],
)
def test_private_and_insecure_destinations_are_refused(brand: Team, url: str) -> None:
    admin = client_for(brand.users[Role.ADMIN], brand.org)
    r = admin.post("/api/v1/webhook-endpoints", {"url": url, "event_types": ["*"]}, content_type="application/json")
    assert r.status_code == 422 and r.json()["error"]["code"] == "webhook_url"


@pytest.mark.usefixtures("immediate_tasks")
def test_destination_is_checked_again_before_sending(
    receiver: Receiver, brand: Team, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _endpoint(brand, receiver.url)  # allowed while the test setting is on
    settings.ACCORD_WEBHOOK_ALLOW_PRIVATE = False
    settings.ACCORD_WEBHOOK_ALLOW_HTTP = True
    with django_capture_on_commit_callbacks(execute=True):
        _publish(brand)
    assert receiver.requests == []
    [attempt] = WebhookDelivery.objects.get().attempt_log.all()
    assert attempt.status_code is None and attempt.error.startswith("destination refused")
