"""Idempotency-Key: replay returns the stored response, a different request with the same key is refused, and two
concurrent requests with the same key never both execute."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection

from accord.accounts.models import Organization
from accord.core.models import IdempotencyRecord
from tests.conftest import Team, client_for


def _create(client, name: str, key: str | None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        "/api/v1/organizations",
        data=json.dumps({"name": name, "kind": "brand"}),
        content_type="application/json",
        **headers,
    )


def test_replay_returns_first_response_and_executes_once(team: Team) -> None:
    client = client_for(team.users["owner"], team.org)
    first = _create(client, "Replay Co", "key-1")
    second = _create(client, "Replay Co", "key-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Organization.objects.filter(name="Replay Co").count() == 1


def test_same_key_different_request_is_409(team: Team) -> None:
    client = client_for(team.users["owner"], team.org)
    assert _create(client, "First Co", "key-2").status_code == 201
    again = _create(client, "Second Co", "key-2")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "idempotency_key_reused"
    assert not Organization.objects.filter(name="Second Co").exists()


def test_keys_are_scoped_per_organization(team: Team, other_team: Team) -> None:
    a = _create(client_for(team.users["owner"], team.org), "Scoped A", "shared-key")
    b = _create(client_for(other_team.users["owner"], other_team.org), "Scoped B", "shared-key")
    assert a.status_code == b.status_code == 201
    assert Organization.objects.filter(name__startswith="Scoped").count() == 2


def test_without_key_nothing_is_stored(team: Team) -> None:
    _create(client_for(team.users["owner"], team.org), "No Key Co", None)
    assert not IdempotencyRecord.objects.exists()


def test_invalid_key_is_400(team: Team) -> None:
    response = _create(client_for(team.users["owner"], team.org), "Bad Key Co", "x" * 300)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_idempotency_key"


def test_client_errors_are_replayed_too(team: Team) -> None:
    client = client_for(team.users["viewer"], team.org)
    body = json.dumps({"email": "a@example.test", "role": "viewer"})
    first = client.post("/api/v1/invitations", data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    second = client.post("/api/v1/invitations", data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    assert first.status_code == second.status_code == 403
    assert second["Idempotent-Replayed"] == "true"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_execute_once() -> None:
    from tests.conftest import make_team

    team = make_team()
    threads, results = 8, []
    barrier = threading.Barrier(threads)
    lock = threading.Lock()

    def worker() -> None:
        try:
            client = client_for(team.users["owner"], team.org)
            barrier.wait()
            response = _create(client, "Race Co", "race-key")
            with lock:
                results.append((response.status_code, response.content))
        finally:
            connection.close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert len(results) == threads
    assert {status for status, _ in results} == {201}
    assert len({body for _, body in results}) == 1, "every caller sees the winner's response"
    assert Organization.objects.filter(name="Race Co").count() == 1
