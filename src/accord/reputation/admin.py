from django.contrib import admin

from accord.reputation.models import Commitment


@admin.register(Commitment)
class CommitmentAdmin(admin.ModelAdmin[Commitment]):
    list_display = ("id", "owner_org", "kind", "subject", "due_at", "status", "days_late", "resolved_at")
    list_filter = ("status", "kind")
    search_fields = ("subject", "key")
    raw_id_fields = ("owner_org",)
