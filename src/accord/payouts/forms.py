"""Forms of the payout pages. They only parse and validate input; the services decide and change state."""

from __future__ import annotations

import re
from datetime import date
from decimal import InvalidOperation
from typing import Any

from django import forms
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from accord.core.money import validate_currency
from accord.payouts.models import PayoutSchedule
from accord.web.formatting import parse_money

NONCE_RE = re.compile(r"^[0-9a-f]{32}$")
WEEKDAYS = [
    (0, _l("Monday")),
    (1, _l("Tuesday")),
    (2, _l("Wednesday")),
    (3, _l("Thursday")),
    (4, _l("Friday")),
    (5, _l("Saturday")),
    (6, _l("Sunday")),
]


class NonceForm(forms.Form):
    """A confirmation form: its hidden nonce (made when the page was rendered) keys the action once."""

    nonce = forms.CharField(widget=forms.HiddenInput, max_length=32)

    def clean_nonce(self) -> str:
        value = str(self.cleaned_data["nonce"])
        if not NONCE_RE.match(value):
            raise forms.ValidationError(_("This form expired; open the page again."))
        return value


class FailForm(NonceForm):
    reason = forms.CharField(label=_l("Why did it fail?"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class PaidForm(NonceForm):
    reference = forms.CharField(label=_l("Bank or provider reference"), max_length=255, required=False)


class SepaMethodForm(forms.Form):
    account_holder = forms.CharField(label=_l("Account holder"), max_length=140)
    iban = forms.CharField(label=_l("IBAN"), max_length=50)
    bic = forms.CharField(
        label=_l("BIC"), max_length=20, required=False, help_text=_l("Derived from the IBAN if empty")
    )
    label = forms.CharField(label=_l("Label"), max_length=100, required=False)
    make_default = forms.BooleanField(label=_l("Make this my default payout method"), required=False)


class StripeMethodForm(forms.Form):
    stripe_account_id = forms.CharField(
        label=_l("Stripe Connect account id"), max_length=255, help_text=_l("Starts with acct_")
    )
    label = forms.CharField(label=_l("Label"), max_length=100, required=False)
    make_default = forms.BooleanField(label=_l("Make this my default payout method"), required=False)


class ScheduleForm(forms.Form):
    frequency = forms.ChoiceField(label=_l("How often"), choices=PayoutSchedule.Frequency.choices)
    weekday = forms.TypedChoiceField(
        label=_l("Weekday (weekly and every two weeks)"), choices=WEEKDAYS, coerce=int, initial=0
    )
    biweekly_parity = forms.TypedChoiceField(
        label=_l("Which week (every two weeks)"),
        choices=[(0, _l("Week A")), (1, _l("Week B"))],
        coerce=int,
        initial=0,
    )
    day_of_month = forms.IntegerField(
        label=_l("Day of the month (monthly)"),
        min_value=1,
        max_value=31,
        initial=1,
        help_text=_l("Days past the month's end fall on its last day"),
    )

    def __init__(
        self, *args: Any, currencies: list[str], parity_weeks: dict[int, date] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.currencies = currencies
        if parity_weeks:
            # Name each alternating week by its next Monday so the choice means something.
            parity = self.fields["biweekly_parity"]
            assert isinstance(parity, forms.ChoiceField)
            parity.choices = [
                (p, _("Week A: the week of %(day)s") % {"day": formats.date_format(parity_weeks[0])})
                if p == 0
                else (p, _("Week B: the week of %(day)s") % {"day": formats.date_format(parity_weeks[1])})
                for p in (0, 1)
            ]
        for currency in currencies:
            self.fields[f"threshold_{currency}"] = forms.CharField(
                label=_("Minimum payout in %(currency)s") % {"currency": currency},
                required=False,
                help_text=_("Empty: the default minimum"),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        thresholds: dict[str, int] = {}
        for currency in self.currencies:
            text = str(data.get(f"threshold_{currency}") or "").strip()
            if not text:
                continue
            try:
                minor = parse_money(text, validate_currency(currency))
            except (InvalidOperation, ValueError, OverflowError):
                self.add_error(f"threshold_{currency}", _("Enter an amount like 25.00."))
                continue
            if minor < 0:
                self.add_error(f"threshold_{currency}", _("The minimum cannot be negative."))
                continue
            thresholds[currency] = minor
        data["thresholds"] = thresholds
        return data


class StatementForm(forms.Form):
    currency = forms.ChoiceField(label=_l("Currency"))
    start = forms.DateField(label=_l("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_l("To (inclusive)"), widget=forms.DateInput(attrs={"type": "date"}))
    format = forms.ChoiceField(
        label=_l("Format"), choices=[("csv", "CSV"), ("pdf", "PDF")], initial="csv", required=False
    )

    def __init__(self, *args: Any, currencies: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["currency"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(c, c) for c in currencies]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The period ends before it starts."))
        return data


class RunForm(NonceForm):
    currency = forms.CharField(label=_l("Currency"), max_length=3)

    def clean_currency(self) -> str:
        code = str(self.cleaned_data["currency"]).upper()
        try:
            return validate_currency(code)
        except ValueError:
            raise forms.ValidationError(_("Unsupported currency.")) from None
