"""Cursor pagination for every API list: stable under inserts, no OFFSET scans, opaque cursors."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Field, Schema
from ninja.pagination import PaginationBase

from accord.core.errors import ValidationFailed


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, value = raw.split(":", 1)
        if prefix != "id":
            raise ValueError(prefix)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed(gettext("invalid cursor"), code="invalid_cursor", fields={"cursor": "invalid"}) from None


class CursorPagination(PaginationBase):
    class Input(Schema):
        cursor: str | None = Field(None, description="Opaque cursor from the previous page's next_cursor")
        limit: int = Field(settings.ACCORD_PAGE_SIZE, ge=1, le=settings.ACCORD_MAX_PAGE_SIZE)

    class Output(Schema):
        items: list[Any]
        next_cursor: str | None = None

    items_attribute = "items"

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        qs = queryset.order_by("id")
        if pagination.cursor:
            qs = qs.filter(id__gt=decode_cursor(pagination.cursor))
        rows = list(qs[: pagination.limit + 1])
        more = len(rows) > pagination.limit
        rows = rows[: pagination.limit]
        return {"items": rows, "next_cursor": encode_cursor(rows[-1].id) if more and rows else None}
