from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Organization
from accord.core import clock


class BrandCategory(models.TextChoices):
    """Sensitive categories a brand's products fall in; creators may refuse any of them (values check)."""

    ALCOHOL = "alcohol", _("Alcohol")
    GAMBLING = "gambling", _("Gambling")
    TOBACCO = "tobacco", _("Tobacco and vaping")
    FAST_FASHION = "fast_fashion", _("Fast fashion")
    CRYPTO = "crypto", _("Crypto and trading")
    FOSSIL_FUELS = "fossil_fuels", _("Fossil fuels")
    WEAPONS = "weapons", _("Weapons")
    ADULT = "adult", _("Adult content")
    PHARMA = "pharma", _("Pharmaceuticals")
    FAST_FOOD = "fast_food", _("Fast food")
    POLITICS = "politics", _("Politics")
    ANIMAL_TESTING = "animal_testing", _("Animal testing")


class Campaign(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    brand = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="campaigns")
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    # The brief.
    goals = models.TextField(blank=True)
    key_messages = models.TextField(blank=True)
    dos = models.TextField(blank=True)
    donts = models.TextField(blank=True)
    description = models.TextField(blank=True, help_text="What the campaign is about; used for topical matching")
    deliverables_wanted = models.JSONField(default=list, blank=True)
    platforms = models.JSONField(default=list, blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    # Money: integer minor units of ``currency``.
    budget = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3, default="EUR")
    # Target audience: {"age_bands": [...], "genders": [...], "countries": [...], "interests": [...],
    # "languages": [...]}; an empty or missing list means "any".
    target = models.JSONField(default=dict, blank=True)
    brand_categories = models.JSONField(default=list, blank=True)
    open_for_applications = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=clock.now)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["brand", "status"])]

    def __str__(self) -> str:
        return self.name

    @property
    def brand_category_labels(self) -> list[str]:
        """The declared brand categories as people read them (unknown codes as they are)."""
        labels = dict(BrandCategory.choices)
        return [str(labels.get(c, c)) for c in self.brand_categories or []]

    @property
    def brief_text(self) -> str:
        """Everything the brief says, as one text (the values check searches it)."""
        parts = [self.name, self.goals, self.key_messages, self.dos, self.donts, self.description]
        parts += [str(d) for d in self.deliverables_wanted or []]
        return "\n".join(p for p in parts if p)
