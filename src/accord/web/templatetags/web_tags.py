"""Template filters of the web app: ``{% load web_tags %}{{ count|grouped }}`` writes a count with the active
language's digit grouping (4,000 in English, 4.000 in Dutch); Django groups only when told to."""

from __future__ import annotations

from django import template

from accord.web.charts import Number, default_number

register = template.Library()


@register.filter
def grouped(value: Number | None) -> str:
    return default_number(value or 0)
