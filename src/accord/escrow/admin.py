from __future__ import annotations

from django.contrib import admin

from accord.escrow.models import Accrual, Clawback, Deposit, EscrowHold, FeeOverride, Refund, StripeEvent


@admin.register(FeeOverride)
class FeeOverrideAdmin(admin.ModelAdmin):
    list_display = ("organization", "fee_bps", "note", "created_at")


@admin.register(Deposit)
class DepositAdmin(admin.ModelAdmin):
    list_display = ("reference", "campaign", "brand", "amount", "currency", "status", "created_at", "confirmed_at")
    list_filter = ("status", "provider")
    search_fields = ("reference", "provider_ref")
    readonly_fields = [f.name for f in Deposit._meta.fields]


@admin.register(EscrowHold)
class EscrowHoldAdmin(admin.ModelAdmin):
    list_display = ("id", "campaign", "creator", "reference_type", "reference_id", "amount", "released_amount")
    readonly_fields = [f.name for f in EscrowHold._meta.fields]


@admin.register(Accrual)
class AccrualAdmin(admin.ModelAdmin):
    list_display = ("id", "campaign", "creator", "amount", "clawed_back", "status", "available_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in Accrual._meta.fields]


@admin.register(Clawback)
class ClawbackAdmin(admin.ModelAdmin):
    list_display = ("id", "accrual", "amount", "reason", "created_at")
    readonly_fields = [f.name for f in Clawback._meta.fields]


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = ("id", "campaign", "amount", "currency", "reason", "created_at")
    readonly_fields = [f.name for f in Refund._meta.fields]


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    list_display = ("event_id", "type", "outcome", "deposit", "received_at")
    list_filter = ("outcome", "type")
    search_fields = ("event_id",)
    readonly_fields = [f.name for f in StripeEvent._meta.fields]
