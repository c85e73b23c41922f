"""Finders for UI text that skips Django's i18n: visible template text outside ``{% translate %}`` /
``{% blocktranslate %}`` and Python strings shown to people (flash messages, form labels, choice labels,
validation errors, e-mail subjects) that are plain literals instead of gettext calls."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType

from accord.core.catalogs import APPS_DIR, KEYWORDS

# Apps whose owners have not translated them yet; each owner removes their app when its catalog is complete.
PENDING_APPS: set[str] = set()
ALL_APPS = sorted(p.parent.name for p in APPS_DIR.glob("*/apps.py"))
CHECKED_APPS = [a for a in ALL_APPS if a not in PENDING_APPS]

# Names and codes that read the same in every language.
UNTRANSLATED_WORDS = frozenset(
    {"Accord", "PDF", "SHA-256", "SEPA", "IBAN", "BIC", "CSV", "JSON", "API", "URL", "ID", "UTC", "ms", "min", "bp"}
)
HUMAN_ATTRIBUTES = frozenset({"placeholder", "title", "aria-label", "alt", "aria-description"})
_MARK = "\x00"  # stands for a variable or tag: never text to translate
_LETTER = re.compile(r"[^\W\d_]")
_VERSION = re.compile(r"^v\d*$")  # "v{{ number }}": a version label


def templates(app: str) -> list[Path]:
    root = APPS_DIR / app / "templates"
    return sorted(p for p in root.rglob("*") if p.suffix in {".html", ".txt"}) if root.is_dir() else []


def _untranslated_source(source: str) -> str:
    """The template's text with every tag and variable replaced by a marker and translated blocks dropped."""
    out: list[str] = []
    skip_until: str | None = None
    for token in Lexer(source).tokenize():
        if skip_until:
            if token.token_type == TokenType.BLOCK and token.contents.split()[0] == skip_until:
                skip_until = None
            continue
        if token.token_type == TokenType.TEXT:
            out.append(token.contents)
            continue
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents else ""
            if name in {"blocktranslate", "blocktrans"} or name in {"comment", "verbatim"}:
                skip_until = "end" + name
        out.append(_MARK)
    return "".join(out)


_NOT_PROSE = frozenset({"script", "style", "code", "pre"})  # code samples and data read the same in every language


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _NOT_PROSE:
            self._hidden += 1
        self.texts.extend(v for k, v in attrs if k in HUMAN_ATTRIBUTES and v)

    def handle_endtag(self, tag: str) -> None:
        if tag in _NOT_PROSE and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.texts.append(data)


def untranslated_words(text: str) -> list[str]:
    words = []
    for piece in text.split(_MARK):
        for word in piece.split():
            word = word.strip(".,:;!?()[]{}\"'«»“”‘’·•—–-|/#%+=×✔✓✗…")
            if (
                word
                and _LETTER.search(word)
                and word not in UNTRANSLATED_WORDS
                and not _VERSION.match(word)
                and "://" not in word
            ):
                words.append(word)
    return words


def unmarked_template_text(path: Path) -> list[str]:
    parser = _VisibleText()
    parser.feed(_untranslated_source(path.read_text(encoding="utf-8")))
    parser.close()
    return [w for text in parser.texts for w in untranslated_words(text)]


# Python: calls and keywords whose strings people read.
_MESSAGE_CALLS = frozenset({"success", "info", "warning", "error", "debug", "add_message"})
# Forms and views only: a model's help_text and verbose_name document it for developers and the Django admin.
_UI_KEYWORDS = frozenset({"label", "help_text", "empty_label"})
_MAIL_CALLS = frozenset({"send_mail", "EmailMessage", "EmailMultiAlternatives", "mail_admins"})
_GETTEXT = frozenset(
    {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy", "npgettext",
     "npgettext_lazy", "format_lazy"}
)  # fmt: skip
_CHOICES_BASES = frozenset({"TextChoices", "IntegerChoices", "Choices"})


def _is_literal_text(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(_LETTER.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(_is_literal_text(v) for v in node.values)
    if isinstance(node, ast.BinOp):  # "..." % x, "..." + x
        return _is_literal_text(node.left)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _is_literal_text(node.func.value)
    return False


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _unmarked_in_tree(tree: ast.AST, *, models_module: bool) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = _name(node.func)
            owner = _name(node.func.value) if isinstance(node.func, ast.Attribute) else ""
            if func in _MESSAGE_CALLS and owner == "messages":
                args = node.args[2:3] if func == "add_message" else node.args[1:2]
                yield from ((a.lineno, ast.unparse(a)) for a in args if _is_literal_text(a))
            if func in _MAIL_CALLS | {"ValidationError"} and node.args and _is_literal_text(node.args[0]):
                yield node.lineno, f"{func}({ast.unparse(node.args[0])})"
            for kw in node.keywords:
                if not models_module and kw.arg in _UI_KEYWORDS and _is_literal_text(kw.value):
                    yield kw.value.lineno, f"{kw.arg}={ast.unparse(kw.value)}"
        elif isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
            for alias in node.names:  # an alias extraction does not know leaves its strings out of the catalog
                if alias.asname and alias.name in _GETTEXT and alias.asname not in KEYWORDS:
                    yield node.lineno, f"{alias.name} as {alias.asname}: add {alias.asname!r} to catalogs.KEYWORDS"
        elif isinstance(node, ast.ClassDef) and {_name(b) for b in node.bases} & _CHOICES_BASES:
            for stmt in node.body:
                if not isinstance(stmt, ast.Assign):
                    continue
                if isinstance(stmt.value, ast.Tuple) and len(stmt.value.elts) == 2:
                    if _is_literal_text(label := stmt.value.elts[1]):
                        yield label.lineno, f"{node.name} label {ast.unparse(label)}"
                elif isinstance(stmt.value, ast.Constant):  # the label would be derived from the English name
                    yield stmt.lineno, f"{node.name}.{ast.unparse(stmt.targets[0])} has no translated label"


def unmarked_python_text(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = _unmarked_in_tree(tree, models_module=path.name == "models.py")
    where = path.relative_to(APPS_DIR) if path.is_relative_to(APPS_DIR) else path
    return [f"{where}:{line}: {text}" for line, text in found]


def python_files(app: str) -> list[Path]:
    root = APPS_DIR / app
    return sorted(p for p in root.rglob("*.py") if "migrations" not in p.parts)
