"""The pure-Python extraction the catalog checks rely on finds what Django's own ``makemessages`` (GNU xgettext)
finds, so passing tests/i18n means ``make messages`` would change nothing. Skipped where xgettext is missing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from accord.core.catalogs import APPS_DIR, extract_app, po_path, read_catalog
from tests.i18n.checks import CHECKED_APPS

pytestmark = pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")


@pytest.mark.parametrize("app", [a for a in CHECKED_APPS if po_path(a).exists()])
def test_pure_python_extraction_agrees_with_makemessages(app: str, tmp_path: Path) -> None:
    copy = tmp_path / app
    shutil.copytree(APPS_DIR / app, copy, ignore=shutil.ignore_patterns("locale", "__pycache__"))
    (copy / "locale").mkdir()
    here = Path.cwd()
    os.chdir(copy)  # makemessages writes to ./locale when run inside an app, as `make messages` does
    try:
        call_command("makemessages", locale=["nl"], extensions=["html", "txt", "py"], ignore_patterns=["migrations"])
    finally:
        os.chdir(here)
    catalog = read_catalog(copy / "locale" / "nl" / "LC_MESSAGES" / "django.po")
    by_xgettext = {(m.context, m.id[0] if isinstance(m.id, tuple) else m.id) for m in catalog if m.id}
    assert set(extract_app(app)) == by_xgettext
