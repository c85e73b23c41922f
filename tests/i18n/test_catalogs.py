"""Every checked app (all but ``PENDING_APPS``) marks all its UI text for translation, and its nl catalog is
complete, not fuzzy, keeps every placeholder, knows every message the code uses, and is compiled (the committed
``.mo`` is what compiling the ``.po`` gives now). Runs without GNU gettext: extraction and compilation are babel."""

from __future__ import annotations

import re

import pytest

from accord.core.catalogs import apps_with_catalogs, compile_catalog, extract_app, po_path, read_catalog
from tests.i18n.checks import (
    ALL_APPS,
    CHECKED_APPS,
    PENDING_APPS,
    python_files,
    templates,
    unmarked_python_text,
    unmarked_template_text,
)

# %(name)s, %s, %d, {name}: what a translation must hand back to the code unchanged.
_PLACEHOLDER = re.compile(r"%\([^)]+\)[sdifr]|%[sdifr]|\{[A-Za-z_][A-Za-z0-9_]*\}")


def _placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def test_pending_apps_exist() -> None:
    assert set(ALL_APPS) >= PENDING_APPS, "PENDING_APPS names an app that does not exist"


@pytest.mark.parametrize("app", CHECKED_APPS)
def test_templates_mark_every_visible_text(app: str) -> None:
    unmarked = {str(t.name): words for t in templates(app) if (words := unmarked_template_text(t))}
    assert not unmarked, f"text outside {{% translate %}} in {app} templates: {unmarked}"


@pytest.mark.parametrize("app", CHECKED_APPS)
def test_python_ui_strings_go_through_gettext(app: str) -> None:
    unmarked = [line for path in python_files(app) for line in unmarked_python_text(path)]
    assert not unmarked, "UI strings not wrapped in gettext:\n" + "\n".join(unmarked)


@pytest.mark.parametrize("app", CHECKED_APPS)
def test_app_that_translates_has_a_catalog(app: str) -> None:
    if extract_app(app):
        assert po_path(app).exists(), f"mkdir src/accord/{app}/locale && make messages I18N_APPS={app}"


@pytest.mark.parametrize("app", [a for a in CHECKED_APPS if po_path(a).exists()])
def test_catalog_is_complete_and_keeps_placeholders(app: str) -> None:
    catalog = read_catalog(po_path(app))
    assert catalog.num_plurals == 2 and catalog.plural_expr == "(n != 1)"
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = list(message.id) if isinstance(message.id, tuple) else [message.id]
        forms = list(message.string) if isinstance(message.string, tuple) else [message.string]
        expected = set().union(*(_placeholders(i) for i in ids))
        if message.fuzzy:
            problems.append(f"fuzzy: {ids[0]!r}")
        if not all(forms):
            problems.append(f"untranslated: {ids[0]!r}")
        elif (
            any(not _placeholders(f) <= expected for f in forms)
            or set().union(*(_placeholders(f) for f in forms)) != expected
        ):
            problems.append(f"placeholders differ: {ids[0]!r} -> {forms!r}")
    assert not problems, f"{po_path(app)}:\n" + "\n".join(problems)


@pytest.mark.parametrize("app", [a for a in CHECKED_APPS if po_path(a).exists()])
def test_catalog_matches_the_messages_the_app_uses(app: str) -> None:
    used = extract_app(app)
    catalog = read_catalog(po_path(app))
    known = {(m.context, m.id[0] if isinstance(m.id, tuple) else m.id) for m in catalog if m.id}
    missing = {key: used[key] for key in used.keys() - known}
    stale = known - used.keys()
    assert not missing, f"run `make messages`; not in {app}'s catalog: {missing}"
    assert not stale, f"run `make messages`; no longer used but in {app}'s catalog: {stale}"


@pytest.mark.parametrize("app", apps_with_catalogs())
def test_committed_mo_is_compiled_from_the_current_po(app: str) -> None:
    mo = po_path(app).with_suffix(".mo")
    assert mo.exists() and mo.read_bytes() == compile_catalog(po_path(app)), (
        f"{mo} is stale: python -m accord.core.catalogs compile {app}"
    )
