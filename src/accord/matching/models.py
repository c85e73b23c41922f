"""Shortlists: a brand's saved selection of creators, optionally for one campaign."""

from __future__ import annotations

from django.db import models

from accord.accounts.models import Organization, User
from accord.campaigns.models import Campaign
from accord.core import clock
from accord.creators.models import CreatorProfile


class Shortlist(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="shortlists")
    campaign = models.ForeignKey(Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    name = models.CharField(max_length=200)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return self.name


class ShortlistEntry(models.Model):
    shortlist = models.ForeignKey(Shortlist, on_delete=models.CASCADE, related_name="entries")
    creator = models.ForeignKey(CreatorProfile, on_delete=models.CASCADE, related_name="+")
    note = models.CharField(max_length=500, blank=True)
    added_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shortlist", "creator"], name="shortlist_entry_unique")]

    def __str__(self) -> str:
        return f"{self.creator_id} in {self.shortlist_id}"
