"""The finders behind test_catalogs catch what they are meant to: without these, a broken finder would pass every
app silently."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.i18n.checks import unmarked_python_text, unmarked_template_text


def _template(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "page.html"
    path.write_text(text, encoding="utf-8")
    return unmarked_template_text(path)


@pytest.mark.parametrize(
    ("text", "unmarked"),
    [
        ("<p>Hello there</p>", ["Hello", "there"]),
        ('<input placeholder="Your name">', ["Your", "name"]),
        ('<img alt="Chart" src="x.svg">', ["Chart"]),
        ("<button>{% translate 'Save' %}</button> · 42 € — Accord", []),
        ("{% blocktranslate with n=3 %}{{ n }} items left{% endblocktranslate %}", []),
        ('<a href="/x" class="big">{{ name }}</a>: <code>curl -H x</code>', []),
        ("{% comment %}Only for developers{% endcomment %}<p>v{{ n }} PDF</p>", []),
        ("<script>const label = 'Nope';</script><p>{{ x }} Yes</p>", ["Yes"]),
    ],
)
def test_template_finder(tmp_path: Path, text: str, unmarked: list[str]) -> None:
    assert _template(tmp_path, text) == unmarked


PYTHON = """
from django.contrib import messages
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as lazy_alias


class Colour(models.TextChoices):
    RED = "red", _("Red")
    BLUE = "blue", "Blue"
    GREEN = "green"


def view(request, form):
    messages.success(request, "Saved.")
    messages.error(request, _("Refused."))
    messages.info(request, f"{form} changed")
    form.fields["x"] = forms.CharField(label="Name", help_text=_("Shown"))
    raise ValidationError("Too short")
"""


def test_python_finder(tmp_path: Path) -> None:
    path = tmp_path / "views.py"
    path.write_text(PYTHON, encoding="utf-8")
    found = [line.split(": ", 1)[1] for line in unmarked_python_text(path)]
    assert found == [
        "gettext_lazy as lazy_alias: add 'lazy_alias' to catalogs.KEYWORDS",
        "Colour label 'Blue'",
        "Colour.GREEN has no translated label",
        "'Saved.'",
        "f'{form} changed'",
        "label='Name'",
        "ValidationError('Too short')",
    ]
