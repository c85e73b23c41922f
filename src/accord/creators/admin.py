from django.contrib import admin

from accord.creators.models import Channel, CreatorProfile, RateCardItem


class ChannelInline(admin.TabularInline):
    model = Channel
    extra = 0
    fields = ["platform", "handle", "followers", "avg_views", "engagement_rate_bp", "audience_refreshed_at"]
    readonly_fields = ["audience_refreshed_at"]


class RateInline(admin.TabularInline):
    model = RateCardItem
    extra = 0
    fields = ["platform", "deliverable", "price", "currency"]


@admin.register(CreatorProfile)
class CreatorProfileAdmin(admin.ModelAdmin):
    list_display = ["display_name", "country", "availability", "updated_at"]
    list_filter = ["availability", "country"]
    search_fields = ["display_name", "organization__name", "channels__handle"]
    raw_id_fields = ["organization"]
    inlines = [ChannelInline, RateInline]
