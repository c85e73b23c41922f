"""Replay recorded Stripe API responses at the HTTP level: the real ``stripe`` library builds the real requests
(method, URL, form body, headers) and parses the recorded answers; nothing reaches the network.

Use: ``replay = StripeReplay(recordings)``; ``replay.expect("post", "/v1/payment_intents", "payment_intent_created",
amount=…)`` queues the next answer (top-level body fields overridden); after the call, ``replay.requests`` holds what
the library sent (``method``, ``path``, ``form`` as a flat dict, ``headers``) for the test to assert.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import stripe

API_KEY = "sk_test_replay"


def load(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))


class StripeReplay(stripe.HTTPClient):
    name = "replay"

    def __init__(self, recordings: dict[str, Any]) -> None:
        super().__init__()
        self.recordings = recordings
        self.script: list[tuple[str, str, dict[str, Any]]] = []
        self.requests: list[dict[str, Any]] = []

    def expect(self, method: str, path: str, recording: str, **body: Any) -> None:
        response = copy.deepcopy(self.recordings[recording])
        response["body"].update(body)
        self.script.append((method, path, response))

    def request(
        self, method: str, url: str, headers: Any, post_data: Any = None, *, _usage: Any = None
    ) -> tuple[str, int, dict[str, str]]:
        assert self.script, f"unexpected Stripe request {method} {url}"
        wanted_method, wanted_path, response = self.script.pop(0)
        parts = urlsplit(url)
        form = {k: v[0] for k, v in parse_qs(post_data or "", keep_blank_values=True).items()}
        self.requests.append({"method": method, "path": parts.path, "form": form, "headers": dict(headers or {})})
        assert (parts.scheme, parts.netloc) == ("https", "api.stripe.com")
        assert (method, parts.path) == (wanted_method, wanted_path)
        assert headers["Authorization"] == f"Bearer {API_KEY}"
        return json.dumps(response["body"]), response["status"], response["headers"]

    def close(self) -> None:
        pass
