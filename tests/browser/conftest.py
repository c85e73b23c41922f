"""Browser-test helpers; the ``browser``/``page`` fixtures live in tests/conftest.py so every folder shares one."""

from __future__ import annotations

import os
import shutil
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

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


def sign_in(page: Any, email: str, password: str, start: str = "/") -> None:
    """Through the real login form, so every journey also proves the session and CSRF path; lands on ``start``."""
    page.goto(f"/accounts/login/?next={start}")
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.fixture(scope="session", autouse=True)
def _warm_live_server(live_server: Any) -> None:
    """The live server's first request imports every URL module (the API's schemas, numpy, scipy): ~8 s on a quiet
    machine, beyond a 10 s navigation timeout on a busy one. Pay it once per test process, outside any page."""
    urllib.request.urlopen(f"{live_server.url}/healthz", timeout=120).read()


@pytest.fixture
def open_as(browser: Any, live_server: Any) -> Iterator[Callable[..., Any]]:
    """A fresh browser context per person (its own cookies), signed in; all closed at the end of the test."""
    contexts: list[Any] = []

    def open_page(
        email: str = "", password: str = "", *, start: str = "/", width: int = 1280, user_agent: str | None = None
    ) -> Any:
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": 900}, user_agent=user_agent
        )
        # Generous: the machine is shared (load 10+ on 2 cores) and some pages build a cache on their first visit
        # (discovery's creator catalog); a wrong page still fails at once on its assertions.
        context.set_default_timeout(20_000)
        context.set_default_navigation_timeout(30_000)
        contexts.append(context)
        page = context.new_page()
        if email:
            sign_in(page, email, password, start)
        return page

    yield open_page
    for context in contexts:
        context.close()


# WCAG 2.x relative luminance and contrast ratio, computed in the page from the computed colours. The background is
# the first opaque one up the ancestors (white at the root); large text (24px, or 18.66px bold) needs 3:1.
_CONTRAST_JS = """(minimum) => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length >= 3 && (c.length === 3 || c[3] > 0.9)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || seen.has(el)) continue;
    seen.add(el);
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (style.visibility === 'hidden' || style.display === 'none' || box.width < 2 || box.height < 2) continue;
    if (el.closest('.sr-only, .skip, option, script, style, noscript, svg')) continue;
    const fg = rgb(style.color);
    if (fg.length > 3 && fg[3] < 0.9) { out.push(el.tagName + ': translucent text'); continue; }
    const [a, b] = [lum(fg.slice(0, 3)), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? Math.min(3, minimum) : minimum;
    const text = el.textContent.trim().slice(0, 40);
    if (ratio < needed) out.push(`${el.tagName}.${el.className} ${ratio.toFixed(2)}:1 "${text}"`);
  }
  return out;
}"""


def low_contrast(page: Any, minimum: float = 4.5) -> list[str]:
    """Visible text whose contrast against its background is below ``minimum`` (4.5:1 for body text)."""
    result: list[str] = page.evaluate(_CONTRAST_JS, minimum)
    return result


_FOCUS_STYLE_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  return {
    what: el.tagName + (el.id ? '#' + el.id : '') + ' ' + (el.textContent || el.name || '').trim().slice(0, 30),
    look: [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.borderColor, s.backgroundColor].join('|'),
  };
}"""
_BLURRED_STYLE_JS = """() => {
  const el = document.activeElement;
  el.blur();
  const s = getComputedStyle(el);
  return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.borderColor, s.backgroundColor].join('|');
}"""


def focus_not_visible(page: Any, stops: int = 8) -> list[str]:
    """Of the first ``stops`` elements reached with Tab, those that look the same focused and not focused."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    page.locator("body").focus()
    unseen = []
    reached = 0
    for _ in range(stops):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUS_STYLE_JS)
        if focused is None:
            break
        reached += 1
        if page.evaluate(_BLURRED_STYLE_JS) == focused["look"]:
            unseen.append(focused["what"])
        # Tab from the element that had focus: Chromium keeps it as the sequential-navigation starting point.
    if reached == 0:
        unseen.append("nothing is reachable with Tab")
    return unseen


_WIDE_JS = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = (e) => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.getBoundingClientRect().right <= width + 1) continue;
    let inside = false;
    for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) if (scrolls(e)) inside = true;
    const parentWide = el.parentElement && el.parentElement.getBoundingClientRect().right > width + 1;
    if (!inside && !parentWide) out.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
  }
  return {overflow: document.documentElement.scrollWidth - width, culprits: out.slice(0, 5)};
}"""


def not_keyboard_reachable(page: Any) -> list[str]:
    """Visible controls that Tab skips: a negative tabindex, or a click handler on something that takes no focus."""
    result: list[str] = page.evaluate(
        """() => Array.from(document.querySelectorAll(
              'a[href], button, input, select, textarea, summary, [onclick], [hx-get][hx-trigger*=click], [hx-post]'))
            .filter(el => el.type !== 'hidden' && !el.disabled && el.getClientRects().length > 0)
            .filter(el => el.tabIndex < 0 && !el.closest('[inert]'))
            .map(el => el.outerHTML.slice(0, 120))"""
    )
    return result


def horizontal_overflow(page: Any) -> tuple[int, list[str]]:
    """How many CSS pixels the page scrolls sideways (0 when it fits), and the outermost elements sticking out."""
    found: dict[str, Any] = page.evaluate(_WIDE_JS)
    return int(found["overflow"]), list(found["culprits"])


def blank_scroll_below_footer(page: Any) -> int:
    """How far the page scrolls past its footer (or the viewport, on a short page): hidden content stretching it."""
    gap: int = page.evaluate(
        """() => Math.round(document.documentElement.scrollHeight - Math.max(document.documentElement.clientHeight,
              document.querySelector('footer').getBoundingClientRect().bottom + window.scrollY))"""
    )
    return gap


def below_footer(page: Any) -> list[str]:
    """The outermost elements that reach below the footer (what stretches the page)."""
    found: list[str] = page.evaluate(
        """() => {
          const foot = document.querySelector('footer').getBoundingClientRect().bottom;
          const out = [];
          for (const el of document.body.querySelectorAll('*')) {
            if (el.getBoundingClientRect().bottom <= foot + 1) continue;
            const parent = el.parentElement;
            if (parent && parent !== document.body && parent.getBoundingClientRect().bottom > foot + 1) continue;
            out.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
          }
          return out.slice(0, 5);
        }"""
    )
    return found


def switch_language(page: Any, code: str) -> None:
    """With the language switch in the header, as a person would (it submits on change)."""
    with page.expect_navigation():
        page.locator("header select[name=language]").select_option(code)
    assert page.locator("html").get_attribute("lang") == code
