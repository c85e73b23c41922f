from django.contrib import admin

from accord.disputes.models import Dispute, DisputeEvent, Evidence, FrozenItem, Proposal


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = ("id", "target_type", "target_id", "reason", "status", "outcome", "opened_at", "mediator")
    list_filter = ("status", "reason", "outcome")
    readonly_fields = [f.name for f in Dispute._meta.fields]


for model in (FrozenItem, Evidence, DisputeEvent, Proposal):
    admin.site.register(model)
