"""Creator profiles, their channels with audience distributions, rate cards, values and availability.

Money is integer minor units plus an ISO 4217 currency; engagement rates are integer basis points (1 bp = 0.01 %);
audience distributions are shares (0..1) per key, stored per channel as JSON with the time they were last refreshed.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Organization
from accord.core import clock
from accord.creators import taxonomy


def _choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(v, v.replace("_", " ").capitalize()) for v in values]


class Availability(models.TextChoices):
    OPEN = "open", _("Open for collaborations")
    LIMITED = "limited", _("Limited availability")
    UNAVAILABLE = "unavailable", _("Not available")


class CreatorProfile(models.Model):
    """One per creator organization: who they are, what they make, what they refuse."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="creator_profile")
    display_name = models.CharField(max_length=150)
    bio = models.TextField(blank=True, help_text="What the creator makes; used for topical matching")
    categories = models.JSONField(default=list, blank=True, help_text="Content categories (taxonomy.CATEGORIES)")
    languages = models.JSONField(default=list, blank=True, help_text="Languages the creator publishes in")
    country = models.CharField(max_length=2, blank=True)
    city = models.CharField(max_length=100, blank=True)
    # Values: brand categories (campaigns.BrandCategory) this creator refuses to work with. A hard filter in matching.
    no_go_categories = models.JSONField(default=list, blank=True)
    availability = models.CharField(max_length=16, choices=Availability.choices, default=Availability.OPEN)
    available_from = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    # Bumped by every change to the profile, its channels, audiences or rates: matching rebuilds its catalog when the
    # sum over all profiles moves (a time stamp alone misses changes made while the clock stands still).
    revision = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["country"]), models.Index(fields=["updated_at"])]

    def __str__(self) -> str:
        return self.display_name


class Channel(models.Model):
    """One account of a creator on one platform, with its size, engagement and audience."""

    class AudienceSource(models.TextChoices):
        NONE = "", _("Not provided")
        CSV = "csv", _("CSV import")
        API = "api", _("API import")
        GENERATED = "generated", _("Demo data")

    profile = models.ForeignKey(CreatorProfile, on_delete=models.CASCADE, related_name="channels")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="creator_channels")
    platform = models.CharField(max_length=16, choices=_choices(taxonomy.PLATFORMS))
    handle = models.CharField(max_length=100)
    followers = models.BigIntegerField(default=0)
    avg_views = models.BigIntegerField(default=0)
    engagement_rate_bp = models.IntegerField(default=0, help_text="Engagement rate in basis points (350 = 3.5 %)")
    posts_per_week = models.DecimalField(max_digits=6, decimal_places=2, default=0)
    follower_growth_30d_bp = models.IntegerField(default=0, help_text="Follower growth over 30 days, basis points")
    # {"countries": {"NL": 0.42, ...}, "age_bands": {...}, "genders": {...}, "cities": {...}, "languages": {...},
    #  "interests": {...}}: shares in 0..1 per dimension.
    audience = models.JSONField(default=dict, blank=True)
    audience_source = models.CharField(max_length=16, choices=AudienceSource.choices, default="", blank=True)
    audience_refreshed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["platform", "handle"], name="channel_platform_handle_unique")]
        indexes = [models.Index(fields=["organization", "platform"])]

    def __str__(self) -> str:
        return f"{self.platform}:{self.handle}"


class RateCardItem(models.Model):
    """The price of one deliverable type on one platform, in integer minor units of ``currency``."""

    profile = models.ForeignKey(CreatorProfile, on_delete=models.CASCADE, related_name="rates")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="creator_rates")
    platform = models.CharField(max_length=16, choices=_choices(taxonomy.PLATFORMS))
    deliverable = models.CharField(max_length=16, choices=_choices(taxonomy.DELIVERABLES))
    price = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="EUR")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile", "platform", "deliverable"], name="rate_card_item_unique"),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="rate_card_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.platform} {self.deliverable}: {self.price} {self.currency}"
