"""Each app's translation catalog (``<app>/locale/<lang>/LC_MESSAGES/django.po``), compiled and extracted in pure
Python so neither a fresh machine (Python and pip only) nor the tests need GNU gettext.

``python -m accord.core.catalogs compile [app ...]`` writes every ``django.mo`` next to its ``.po``;
``make messages`` runs Django's ``makemessages`` per app first. Extraction here mirrors ``makemessages``: templates
go through Django's own ``templatize`` and then, like ``.py`` files, through babel's Python extractor with the
keywords Django passes to xgettext, so the tests can tell whether a catalog lacks a message the code uses.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

APPS_DIR = Path(__file__).resolve().parent.parent
LANGUAGES = ("nl",)
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_l": None,  # gettext_lazy's alias in views and forms; accord.core's makemessages passes it to xgettext too
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext_lazy": (1, 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
_SKIP_DIRS = frozenset({"migrations", "locale", "__pycache__", "static"})

# (msgctxt, msgid): how gettext itself tells two messages apart.
MessageKey = tuple[str | None, str]


def po_path(app: str, lang: str = "nl") -> Path:
    return APPS_DIR / app / "locale" / lang / "LC_MESSAGES" / "django.po"


def apps_with_catalogs(lang: str = "nl") -> list[str]:
    return sorted(p.parents[3].name for p in APPS_DIR.glob(f"*/locale/{lang}/LC_MESSAGES/django.po"))


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, abort_invalid=True)


def compile_catalog(path: Path) -> bytes:
    """The ``.mo`` bytes for a ``.po``: fuzzy and untranslated entries are left out, as msgfmt does."""
    buf = io.BytesIO()
    write_mo(buf, read_catalog(path))
    return buf.getvalue()


def compile_app(app: str) -> list[Path]:
    written = []
    for lang in LANGUAGES:
        po = po_path(app, lang)
        if po.exists():
            mo = po.with_suffix(".mo")
            data = compile_catalog(po)
            if not mo.exists() or mo.read_bytes() != data:
                mo.write_bytes(data)
            written.append(mo)
    return written


def source_files(app: str) -> Iterator[Path]:
    """The files ``makemessages`` reads for an app: its Python modules and its templates."""
    root = APPS_DIR / app
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).parts
        if _SKIP_DIRS.intersection(rel[:-1]) or not path.is_file():
            continue
        if path.suffix == ".py" or (rel[0] == "templates" and path.suffix in {".html", ".txt"}):
            yield path


def _python_source(path: Path) -> bytes:
    if path.suffix == ".py":
        return path.read_bytes()
    from django.utils.translation.template import templatize

    # templatize keeps the template's line structure (so line numbers match) with text blanked out; its indentation
    # means nothing to Python's tokenizer but would trip it, and string literals never span lines (blocks are repr'd).
    code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    return "\n".join(line.lstrip() for line in code.splitlines()).encode("utf-8")


def extract_file(path: Path) -> Iterator[tuple[MessageKey, int]]:
    for lineno, message, _comments, context in extract("python", io.BytesIO(_python_source(path)), keywords=KEYWORDS):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            yield (context, msgid), lineno


def extract_app(app: str) -> dict[MessageKey, list[str]]:
    """Every message an app's code and templates translate, with where each one is used."""
    found: dict[MessageKey, list[str]] = {}
    for path in source_files(app):
        for key, lineno in extract_file(path):
            found.setdefault(key, []).append(f"{path.relative_to(APPS_DIR)}:{lineno}")
    return found


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "compile":
        print("usage: python -m accord.core.catalogs compile [app ...]", file=sys.stderr)
        return 2
    for app in argv[1:] or apps_with_catalogs():
        for mo in compile_app(app):
            print(f"compiled {mo.relative_to(APPS_DIR.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
