"""Operators see contracts, versions, signatures, milestones and time in the console; changes go through services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accord.contracts.models import Contract, ContractVersion, Milestone, Signature, Submission, TimeEntry, Timesheet


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdmin):
    list_display = ("id", "title", "brand", "creator", "status", "awaiting", "created_at")
    list_filter = ("status", "origin")
    search_fields = ("title",)


@admin.register(ContractVersion)
class ContractVersionAdmin(ReadOnlyAdmin):
    list_display = ("contract", "number", "kind", "status", "proposed_by", "terms_sha256", "created_at")
    list_filter = ("kind", "status")


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    list_display = ("version", "side", "typed_name", "signer", "signed_at", "terms_sha256")


@admin.register(Milestone)
class MilestoneAdmin(ReadOnlyAdmin):
    list_display = ("contract", "key", "amount", "currency", "due_on", "status", "rounds_used", "released_amount")
    list_filter = ("status",)


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ("milestone", "round", "decision", "disclosure_ok", "created_at")
    list_filter = ("decision", "disclosure_ok")


@admin.register(Timesheet)
class TimesheetAdmin(ReadOnlyAdmin):
    list_display = ("contract", "week_start", "status", "minutes", "amount")
    list_filter = ("status",)


@admin.register(TimeEntry)
class TimeEntryAdmin(ReadOnlyAdmin):
    list_display = ("contract", "work_date", "minutes", "deliverable", "created_by")
