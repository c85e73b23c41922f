from __future__ import annotations

import json
from typing import Any

from django import template

from accord.web.formatting import format_money

register = template.Library()


@register.filter
def money(amount: int | None, currency: str) -> str:
    """Integer minor units in the active language: "€1,234.50" in English, "€ 1.234,50" in Dutch."""
    try:
        return format_money(int(amount or 0), currency)
    except (TypeError, ValueError):
        return f"{currency} {amount}"


@register.filter
def as_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)
