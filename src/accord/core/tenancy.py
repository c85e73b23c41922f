"""The one way to scope a queryset to the caller's organization. A query that skips it is a tenancy bug."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from accord.core.errors import NotFound

M = TypeVar("M", bound=Model)


def scoped(queryset: QuerySet[M], organization_id: int, field: str = "organization") -> QuerySet[M]:
    return queryset.filter(**{f"{field}_id" if "__" not in field else field: organization_id})


def get_scoped(queryset: QuerySet[M], organization_id: int, field: str = "organization", **lookup: Any) -> M:
    """Fetch one object of the caller's organization; anything else (including another tenant's) is a 404."""
    obj = scoped(queryset, organization_id, field).filter(**lookup).first()
    if obj is None:
        raise NotFound(f"{queryset.model._meta.verbose_name} not found")
    return obj
