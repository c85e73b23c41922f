from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from accord.ledger.models import Account, Entry, Hold, Transaction


class ReadOnlyAdmin(admin.ModelAdmin):
    """Money is written only by the ledger services: the admin shows it and changes nothing."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("code", "currency", "kind", "owner", "balance", "pending_out", "protected")
    list_filter = ("kind", "currency", "protected")
    search_fields = ("code",)


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "idempotency_key", "created_at", "memo")
    list_filter = ("kind",)
    search_fields = ("idempotency_key", "memo")


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "transaction", "account", "amount")


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdmin):
    list_display = ("id", "account", "amount", "status", "posted_amount", "expires_at", "created_at")
    list_filter = ("status",)
