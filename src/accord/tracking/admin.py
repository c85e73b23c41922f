"""Read-mostly admin views of tracking facts (nothing here is deleted; flags are cleared through the API)."""

from __future__ import annotations

from django.contrib import admin

from accord.tracking.models import (
    Click,
    Conversion,
    FraudFlag,
    Integration,
    Order,
    PostMetricSnapshot,
    PromoCode,
    TrackingLink,
)


@admin.register(TrackingLink)
class TrackingLinkAdmin(admin.ModelAdmin[TrackingLink]):
    list_display = ("code", "campaign", "creator", "collaboration", "active", "created_at")
    search_fields = ("code", "collaboration")


@admin.register(PromoCode)
class PromoCodeAdmin(admin.ModelAdmin[PromoCode]):
    list_display = ("code", "brand", "campaign", "creator", "active")
    search_fields = ("code",)


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin[Integration]):
    list_display = ("name", "platform", "brand", "active", "created_at")
    exclude = ("secret",)


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Click)
class ClickAdmin(_ReadOnly):
    list_display = ("click_id", "link", "at", "counted", "is_bot", "excluded", "country")
    list_filter = ("counted", "is_bot", "excluded")


@admin.register(Order)
class OrderAdmin(_ReadOnly):
    list_display = ("external_id", "integration", "status", "paid", "base", "currency", "attribution", "placed_at")


@admin.register(Conversion)
class ConversionAdmin(_ReadOnly):
    list_display = ("external_id", "kind", "campaign", "creator", "base", "currency", "attribution", "excluded")
    list_filter = ("kind", "attribution", "excluded")


@admin.register(PostMetricSnapshot)
class SnapshotAdmin(_ReadOnly):
    list_display = ("platform", "post_id", "captured_at", "views", "likes", "source", "excluded")


@admin.register(FraudFlag)
class FraudFlagAdmin(_ReadOnly):
    list_display = ("rule", "target_type", "target_id", "campaign", "creator", "excluded", "created_at", "cleared_at")
    list_filter = ("rule", "excluded")
