from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accord.campaigns.models import Campaign


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin[Any]):
    """Read-only: campaigns change through their services (lifecycle, audit, events)."""

    list_display = ("id", "name", "brand", "status", "budget", "currency", "open_for_applications", "created_at")
    list_filter = ("status", "currency", "open_for_applications")
    search_fields = ("name", "brand__name")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
