"""What every app's ``privacy.py`` shares: finding those modules, and turning querysets into plain rows.

An app takes part in an organization's export and erasure by shipping ``accord/<app>/privacy.py`` with
``export(org) -> dict[str, list[dict]]`` and, where it has a say, ``blockers(org) -> list[dict]`` (what still has to
settle before the organization may go) and ``erase(org)`` (its personal data, inside the erasure's transaction).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from types import ModuleType
from typing import Any

from django.apps import apps
from django.db.models import Model, QuerySet


def modules() -> list[ModuleType]:
    """Every installed accord app's privacy module, in INSTALLED_APPS order (accounts first: it erases last)."""
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("accord."):
            continue
        name = f"{config.name}.privacy"
        try:
            found.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return found


def rows(qs: QuerySet[Any], *, exclude: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Every concrete column of ``qs`` but ``exclude`` (secrets, operator-only notes), oldest first."""
    skip = set(exclude)
    model: type[Model] = qs.model
    fields = [f.attname for f in model._meta.concrete_fields if f.name not in skip and f.attname not in skip]
    return list(qs.order_by("pk").values(*fields))


def blocker(code: str, count: int, **detail: Any) -> dict[str, Any]:
    return {"code": code, "count": count, **detail}
