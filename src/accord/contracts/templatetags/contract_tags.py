from __future__ import annotations

import json
from typing import Any

from django import template

from accord.core.money import Money

register = template.Library()


@register.filter
def money(amount: int | None, currency: str) -> str:
    """Integer minor units as "EUR 1,234.50"."""
    try:
        return Money(int(amount or 0), currency).format()
    except (TypeError, ValueError):
        return f"{currency} {amount}"


@register.filter
def as_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)
