from django.contrib import admin

from accord.payouts.models import DebtorAccount, Payout, PayoutFile, PayoutMethod, PayoutRun, PayoutSchedule


@admin.register(PayoutMethod)
class PayoutMethodAdmin(admin.ModelAdmin):
    list_display = ["id", "organization", "kind", "iban_masked", "stripe_account_id", "is_default", "removed_at"]
    exclude = ["iban"]
    readonly_fields = ["iban_masked"]


@admin.register(PayoutSchedule)
class PayoutScheduleAdmin(admin.ModelAdmin):
    list_display = ["organization", "frequency", "weekday", "day_of_month", "last_served_slot"]


@admin.register(DebtorAccount)
class DebtorAccountAdmin(admin.ModelAdmin):
    list_display = ["name", "iban_masked", "currency", "active"]


@admin.register(PayoutRun)
class PayoutRunAdmin(admin.ModelAdmin):
    list_display = ["id", "currency", "run_date", "state", "payout_count", "total_amount"]


@admin.register(Payout)
class PayoutAdmin(admin.ModelAdmin):
    """Read-only: payouts change state only through the services (money moves with them)."""

    list_display = ["id", "organization", "amount", "currency", "state", "promised_date", "days_late"]
    list_filter = ["state", "currency"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(PayoutFile)
class PayoutFileAdmin(admin.ModelAdmin):
    list_display = ["filename", "currency", "payment_count", "control_sum", "created_at"]
    exclude = ["content"]
