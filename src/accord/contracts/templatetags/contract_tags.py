from __future__ import annotations

import json
from typing import Any

from django import template

from accord.web.formatting import format_money

register = template.Library()

# Terms fields held in minor units (milestone amounts, a deposit plan's total, an hourly rate and cap, a late fee,
# a performance rule's amount or cap): a diff shows them as money, everything else as the number it is.
MONEY_TERMS = frozenset({"amount", "total", "rate", "cap", "fee"})


@register.filter
def money(amount: int | None, currency: str) -> str:
    """Integer minor units in the active language: "€1,234.50" in English, "€ 1.234,50" in Dutch."""
    try:
        return format_money(int(amount or 0), currency)
    except (TypeError, ValueError):
        return f"{currency} {amount}"


@register.simple_tag
def term_value(field: str, value: Any, currency: str = "") -> Any:
    """One side of a terms diff: money fields (whole minor units) in the locale's money format, the rest as is."""
    name = field.rsplit(".", 1)[-1]
    if currency and name in MONEY_TERMS and isinstance(value, int) and not isinstance(value, bool):
        return format_money(value, currency)
    return value


@register.filter
def as_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)
