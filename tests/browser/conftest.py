"""Browser-test helpers; the ``browser``/``page`` fixtures live in tests/conftest.py so every folder shares one."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

# Playwright's sync API keeps an event loop on the test thread; the test's own ORM calls are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM = os.environ.get("ACCORD_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("ACCORD_TEST_ARTIFACTS", "test-artifacts"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def missing_labels(page: Any) -> list[str]:
    """Form controls a screen reader could not name: no <label for>, no wrapping label, no aria-label(ledby)."""
    result: list[str] = page.evaluate(
        """() => Array.from(document.querySelectorAll('input, select, textarea'))
            .filter(el => el.type !== 'hidden' && el.type !== 'submit' && el.type !== 'button')
            .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                          && !el.getAttribute('aria-labelledby'))
            .map(el => el.outerHTML.slice(0, 120))"""
    )
    return result
