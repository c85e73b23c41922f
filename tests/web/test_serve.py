"""`accord serve` as a person starts it: granian (ASGI) with the redirect front, the click loader, the worker and the
accrual follower as real processes. Browser tests use Django's live_server, so only this test sees the served stack."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.messaging.conftest import free_port

pytestmark = pytest.mark.slow


def _get(url: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def test_accord_serve_answers_pages_api_static_and_redirects_then_stops_cleanly(tmp_path: Path) -> None:
    # A database of its own (SQLite in a temporary folder), whatever database the suite runs on.
    env = {k: v for k, v in os.environ.items() if k != "ACCORD_DATABASE_URL"}
    env |= {"ACCORD_VAR_DIR": str(tmp_path), "ACCORD_HOME": str(tmp_path), "DJANGO_SETTINGS_MODULE": "accord.settings"}
    cli = [sys.executable, "-m", "accord.cli"]
    subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True, timeout=300)
    port, redirect_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port), "--workers", "1", "--redirect-port", str(redirect_port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    stopped = False
    try:
        deadline = time.monotonic() + 90
        _wait_healthy(server, f"{base}/healthz", deadline)

        assert _get(f"{base}/readyz")[0] == 200
        status, body = _get(f"{base}/accounts/login/")
        assert status == 200 and b"Sign in" in body
        status, body = _get(f"{base}/static/accord/accord.css")
        assert status == 200 and len(body) > 1000
        status, body = _get(f"{base}/api/openapi.json")
        assert status == 200 and b'"openapi"' in body
        assert _get(f"{base}/t/no-such-link")[0] == 404  # through the redirect front, which knows no such code
        _wait_healthy(server, f"http://127.0.0.1:{redirect_port}/healthz", deadline)  # the lean redirect server
        assert _get(f"http://127.0.0.1:{redirect_port}/t/no-such-link")[0] == 404
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        stopped = _group_gone(server, within=30)
        if not stopped:
            os.killpg(server.pid, signal.SIGKILL)
    assert stopped, "a process of accord serve outlived SIGTERM by 30 s"


def _wait_healthy(server: subprocess.Popen[bytes], url: str, deadline: float) -> None:
    while True:
        assert server.poll() is None, server.stdout.read().decode() if server.stdout else "serve exited"
        try:
            if _get(url)[0] == 200:
                return
        except OSError:
            pass
        assert time.monotonic() < deadline, f"{url} did not answer 200 in time"
        time.sleep(0.3)


def _group_gone(server: subprocess.Popen[bytes], within: float) -> bool:
    """Every process `accord serve` started (its session) has exited."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        server.poll()
        try:
            os.killpg(server.pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False
