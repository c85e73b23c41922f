"""Payout pages. Creators: earnings with the next payout, payout methods, schedule, on-demand request, history and
statements. Operators: payout runs, SEPA files, marking payouts paid or failed, the ledger's verify status.

Every change goes through ``accord.payouts.services``. Money-moving and request forms carry a hidden nonce made when
the page was rendered; the view claims ``web:payouts:<action>:<nonce>`` in the platform's idempotency store before
calling the service, so a double submit (or a reload of the POST) runs the action once.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import ngettext, ngettext_lazy
from django.views.decorators.http import require_POST

from accord.accounts.auth import Principal, principal_for_user
from accord.accounts.models import Organization, Role, User
from accord.core import clock, idempotency
from accord.core.errors import DomainError
from accord.core.money import Money
from accord.core.tenancy import get_scoped, scoped
from accord.ledger import services as ledger
from accord.ledger import verify as ledger_verify
from accord.payouts import brand, forms, services, statements
from accord.payouts import schedule as cal
from accord.payouts.models import Payout, PayoutFile, PayoutMethod, PayoutRun

PAGE_SIZE = 50
REASONS = {
    "no_payout_method": _l("Add a default payout method to be paid."),
    "below_threshold": _l("Below your minimum payout."),
    "not_requested": _l("On demand: request a payout to be paid in the next run."),
}


# -- who is asking ---------------------------------------------------------------------------------------------------


def _principal(request: HttpRequest) -> Principal:
    assert isinstance(request.user, User)
    try:
        p = principal_for_user(request, request.user)
    except DomainError:
        raise Http404 from None
    if p is None:
        raise PermissionDenied
    return p


def _creator(request: HttpRequest) -> Principal:
    p = _principal(request)
    if p.organization.kind != Organization.Kind.CREATOR:
        raise PermissionDenied
    return p


def _brand(request: HttpRequest) -> Principal:
    p = _principal(request)
    if p.organization.kind != Organization.Kind.BRAND:
        raise PermissionDenied
    return p


def _operator(request: HttpRequest) -> Principal:
    p = _principal(request)
    if not p.is_operator:
        raise PermissionDenied
    return p


def _nonce() -> str:
    return uuid.uuid4().hex


def _once(request: HttpRequest, p: Principal, action: str, nonce: str, do: Callable[[], str]) -> bool:
    """Run ``do`` (which returns the success message) once per nonce; refusals release the nonce for a retry."""
    claim = idempotency.claim_once(f"web:{p.org_id}", f"web:payouts:{action}:{nonce}", request.path)
    if claim is None:
        messages.info(request, _("This was already submitted; nothing was done twice."))
        return False
    try:
        done = do()
    except DomainError as exc:
        idempotency.release(claim)
        messages.error(request, exc.message)
        return False
    except BaseException:
        # Unfinished: let the same form retry (runs and paid/failed marks are idempotent per run and payout).
        idempotency.release(claim)
        raise
    messages.success(request, done)
    return True


def _field_errors(form: Any, exc: DomainError) -> None:
    """Show a service's refusal on the form: on the fields it names, else above the form."""
    placed = False
    for field, problem in exc.fields.items():
        if field in form.fields and isinstance(problem, str):
            form.add_error(field, problem)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def _page(request: HttpRequest, qs: Any) -> Any:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


# -- creator ---------------------------------------------------------------------------------------------------------


def _balances(org_id: int) -> list[dict[str, Any]]:
    """Per currency: pending (not yet unlocked), payable, available, in transit and paid out so far."""
    rows: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"pending": 0, "payable": 0, "available": 0, "in_transit": 0, "paid": 0}
    )
    for code, currency, balance, pending_out in services.creator_accounts(org_id).values_list(
        "code", "currency", "balance", "pending_out"
    ):
        if code == ledger.creator_pending_code(org_id):
            rows[currency]["pending"] += balance
        elif code == ledger.creator_payable_code(org_id):
            rows[currency]["payable"] += balance
            rows[currency]["available"] += balance - pending_out
    sums = services.payouts_of(org_id).values_list("currency", "state").annotate(total=Sum("amount")).order_by()
    for currency, state, total in sums:
        if state == Payout.State.PAID:
            rows[currency]["paid"] += int(total or 0)
        elif state in (Payout.State.SCHEDULED, Payout.State.PROCESSING):
            rows[currency]["in_transit"] += int(total or 0)
    return [{"currency": c, **rows[c]} for c in sorted(rows)]


def _currencies(org_id: int) -> list[str]:
    held = set(services.creator_accounts(org_id).values_list("currency", flat=True))
    held |= set(services.schedule_for(org_id).thresholds or {})
    return sorted(held) or ["EUR"]


@login_required
def earnings(request: HttpRequest) -> HttpResponse:
    p = _principal(request)
    if p.is_operator:
        return redirect("payouts:runs")
    if p.organization.kind != Organization.Kind.CREATOR:
        raise PermissionDenied
    org_id = p.org_id
    expected = [{"e": e, "reason": REASONS.get(e.reason, e.reason)} for e in services.expected_payouts(org_id)]
    late = list(scoped(services.late_payouts(), org_id).select_related("method").order_by("-promised_date")[:10])
    recent = list(services.payouts_of(org_id).order_by("-created_at", "-id")[:10])
    context = {
        "balances": _balances(org_id),
        "expected": expected,
        "schedule": services.schedule_for(org_id),
        "late": late,
        "recent": recent,
        "today": clock.today(),
    }
    return render(request, "payouts/earnings.html", context)


@login_required
def methods(request: HttpRequest) -> HttpResponse:
    p = _creator(request)
    sepa_form = forms.SepaMethodForm(prefix="sepa")
    stripe_form = forms.StripeMethodForm(prefix="stripe")
    if request.method == "POST":
        kind = request.POST.get("kind")
        if kind == PayoutMethod.Kind.SEPA:
            sepa_form = forms.SepaMethodForm(request.POST, prefix="sepa")
            form: Any = sepa_form
        elif kind == PayoutMethod.Kind.STRIPE:
            stripe_form = forms.StripeMethodForm(request.POST, prefix="stripe")
            form = stripe_form
        else:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.add_method(
                    p,
                    kind=kind,
                    account_holder=data.get("account_holder", ""),
                    iban=data.get("iban", ""),
                    bic=data.get("bic", ""),
                    stripe_account_id=data.get("stripe_account_id", ""),
                    label=data.get("label", ""),
                    make_default=data.get("make_default", False),
                )
            except DomainError as exc:
                _field_errors(form, exc)
            else:
                messages.success(request, _("Payout method added."))
                return redirect("payouts:methods")
    context = {
        "methods": services.methods_of(p.org_id).order_by("-is_default", "id"),
        "sepa_form": sepa_form,
        "stripe_form": stripe_form,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "payouts/methods.html", context, status=status)


def _method(p: Principal, method_id: int) -> PayoutMethod:
    try:
        return get_scoped(services.methods_of(p.org_id), p.org_id, pk=method_id)
    except DomainError:
        raise Http404 from None


@login_required
@require_POST
def method_default(request: HttpRequest, method_id: int) -> HttpResponse:
    p = _creator(request)
    _method(p, method_id)
    try:
        services.update_method(p, method_id, make_default=True)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Default payout method changed."))
    return redirect("payouts:methods")


@login_required
def method_remove(request: HttpRequest, method_id: int) -> HttpResponse:
    p = _creator(request)
    method = _method(p, method_id)
    if request.method == "POST":
        try:
            services.remove_method(p, method_id)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Payout method removed."))
        return redirect("payouts:methods")
    return render(request, "payouts/method_remove.html", {"method": method})


@login_required
def schedule(request: HttpRequest) -> HttpResponse:
    p = _creator(request)
    current = services.schedule_for(p.org_id)
    currencies = _currencies(p.org_id)
    initial: dict[str, Any] = {
        "frequency": current.frequency,
        "weekday": current.weekday,
        "day_of_month": current.day_of_month,
        "biweekly_parity": current.biweekly_parity,
    }
    for currency in currencies:
        minor = (current.thresholds or {}).get(currency)
        if minor is not None:
            initial[f"threshold_{currency}"] = str(Money(int(minor), currency).major)
    today = clock.today()
    monday = today - timedelta(days=today.weekday())
    weeks = {}
    for parity in (0, 1):
        spec = cal.ScheduleSpec(cal.Frequency.BIWEEKLY, 0, 1, parity)
        weeks[parity] = cal.next_slot_on_or_after(spec, monday) or monday
    form = forms.ScheduleForm(request.POST or None, initial=initial, currencies=currencies, parity_weeks=weeks)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.set_schedule(
                p,
                frequency=data["frequency"],
                weekday=data["weekday"],
                day_of_month=data["day_of_month"],
                biweekly_parity=data["biweekly_parity"],
                thresholds=data["thresholds"],
            )
        except DomainError as exc:
            _field_errors(form, exc)
        else:
            messages.success(request, _("Payout schedule saved."))
            return redirect("payouts:earnings")
    defaults = {c: services.default_threshold(c) for c in currencies}
    upcoming = cal.next_payout_date(current.spec, today, current.last_served_slot, current.effective_from)
    context = {"form": form, "schedule": current, "defaults": defaults, "upcoming": upcoming}
    return render(request, "payouts/schedule.html", context)


@login_required
def request_payout(request: HttpRequest) -> HttpResponse:
    p = _creator(request)
    if request.method == "POST":
        form = forms.NonceForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("This form expired; open the page again."))
            return redirect("payouts:request")

        def do() -> str:
            services.request_payout(p)
            return _("Payout requested: you will be paid in the next payout run.")

        _once(request, p, "request", form.cleaned_data["nonce"], do)
        return redirect("payouts:earnings")
    context = {
        "form": forms.NonceForm(initial={"nonce": _nonce()}),
        "schedule": services.schedule_for(p.org_id),
        "expected": services.expected_payouts(p.org_id),
    }
    return render(request, "payouts/request.html", context)


@login_required
def history(request: HttpRequest) -> HttpResponse:
    p = _creator(request)
    qs = services.payouts_of(p.org_id).order_by("-created_at", "-id")
    state = request.GET.get("state", "")
    if state in Payout.State.values:
        qs = qs.filter(state=state)
    context = {"page": _page(request, qs), "state": state, "states": Payout.State.choices, "today": clock.today()}
    return render(request, "payouts/history.html", context)


@login_required
def payout_detail(request: HttpRequest, payout_id: int) -> HttpResponse:
    p = _creator(request)
    try:
        payout = get_scoped(services.payouts_of(p.org_id), p.org_id, pk=payout_id)
    except DomainError:
        raise Http404 from None
    return render(request, "payouts/payout.html", {"payout": payout})


# -- brand -----------------------------------------------------------------------------------------------------------


@login_required
def brand_payouts(request: HttpRequest) -> HttpResponse:
    """The payouts that may carry this brand's money, without their amounts (see ``accord.payouts.brand``), each with
    a link to dispute it for one of the brand's contracts."""
    p = _brand(request)
    firsts = brand.first_credits(p.org_id)
    qs = brand.payouts_carrying(p.org_id, firsts).select_related("organization").order_by("-created_at", "-id")
    page = _page(request, qs)
    rows = brand.brand_payouts(p.org_id, list(page.object_list), firsts)
    return render(request, "payouts/brand.html", {"page": page, "rows": rows})


@login_required
def statement(request: HttpRequest) -> HttpResponse:
    p = _creator(request)
    currencies = _currencies(p.org_id)
    today = clock.today()
    if "start" in request.GET:
        form = forms.StatementForm(request.GET, currencies=currencies)
        if form.is_valid():
            data = form.cleaned_data
            try:
                st = statements.statement(p.org_id, data["currency"], data["start"], data["end"])
            except DomainError as exc:
                _field_errors(form, exc)
            else:
                name = f"statement-{p.org_id}-{st.currency}-{st.start.isoformat()}-{st.end.isoformat()}"
                if data["format"] == "pdf":
                    response = HttpResponse(statements.to_pdf(st), content_type="application/pdf")
                    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
                else:
                    response = HttpResponse(statements.to_csv(st), content_type="text/csv; charset=utf-8")
                    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
                return response
    else:
        initial = {"currency": currencies[0], "start": today.replace(day=1), "end": today, "format": "csv"}
        form = forms.StatementForm(initial=initial, currencies=currencies)
    return render(request, "payouts/statements.html", {"form": form})


# -- operator --------------------------------------------------------------------------------------------------------


@login_required
def runs(request: HttpRequest) -> HttpResponse:
    _operator(request)
    context = {
        "page": _page(request, PayoutRun.objects.order_by("-run_date", "-id")),
        "currencies": services.currencies_with_payables(),
        "late_count": services.late_payouts().count(),
        "today": clock.today(),
    }
    return render(request, "payouts/op_runs.html", context)


@login_required
def run_now(request: HttpRequest) -> HttpResponse:
    p = _operator(request)
    if request.method == "POST":
        form = forms.RunForm(request.POST)
        if not form.is_valid():
            return render(request, "payouts/op_run_now.html", {"form": form}, status=400)
        currency = form.cleaned_data["currency"]
        result: dict[str, PayoutRun] = {}

        def do() -> str:
            run, background = services.start_operator_run(p, currency)
            result["run"] = run
            if background:
                return _("Payout run %(currency)s %(day)s started in the background; this page follows it.") % {
                    "currency": run.currency,
                    "day": run.run_date.isoformat(),
                }
            return _("Payout run %(currency)s %(day)s: %(state)s.") % {
                "currency": run.currency,
                "day": run.run_date.isoformat(),
                "state": run.get_state_display(),
            }

        _once(request, p, f"run:{currency}", form.cleaned_data["nonce"], do)
        if "run" in result:
            return redirect("payouts:run", result["run"].pk)
        return redirect("payouts:runs")
    currency = str(request.GET.get("currency", "")).upper()
    form = forms.RunForm(initial={"currency": currency, "nonce": _nonce()})
    return render(request, "payouts/op_run_now.html", {"form": form, "currency": currency, "today": clock.today()})


@login_required
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    _operator(request)
    run = PayoutRun.objects.filter(pk=run_id).first()
    if run is None:
        raise Http404
    qs = Payout.objects.filter(run=run).select_related("method", "organization").order_by("id")
    state = request.GET.get("state", "")
    if state in Payout.State.values:
        qs = qs.filter(state=state)
    by_state = (
        Payout.objects.filter(run=run).values_list("state").annotate(n=Count("id"), total=Sum("amount")).order_by()
    )
    labels = dict(Payout.State.choices)
    context = {
        "run": run,
        "by_state": [{"state": labels.get(st, st), "n": n, "total": int(total or 0)} for st, n, total in by_state],
        "files": list(services.files_of_run(run.pk)),
        "page": _page(request, qs),
        "state": state,
        "states": Payout.State.choices,
        "today": clock.today(),
    }
    return render(request, "payouts/op_run.html", context)


def _file(file_id: int) -> PayoutFile:
    f = PayoutFile.objects.filter(pk=file_id).defer("content").first()
    if f is None:
        raise Http404
    return f


@login_required
def file_download(request: HttpRequest, file_id: int) -> HttpResponse:
    p = _operator(request)
    f = PayoutFile.objects.filter(pk=file_id).first()
    if f is None:
        raise Http404
    p.audit("payouts.file_downloaded", "payout_file", f.pk)
    response = HttpResponse(bytes(f.content), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{f.filename}"'
    return response


@login_required
def file_paid(request: HttpRequest, file_id: int) -> HttpResponse:
    p = _operator(request)
    f = _file(file_id)
    if request.method == "POST":
        form = forms.NonceForm(request.POST)
        if form.is_valid():

            def do() -> str:
                p.require(Role.MEMBER)
                paid = services.mark_file_paid(p.label, f.pk)
                return ngettext(
                    "%(n)d payout of the file marked paid.", "%(n)d payouts of the file marked paid.", paid
                ) % {"n": paid}

            _once(request, p, f"file-paid:{f.pk}", form.cleaned_data["nonce"], do)
        else:
            messages.error(request, _("This form expired; open the page again."))
        return redirect("payouts:run", f.run_id)
    processing = Payout.objects.filter(file=f, state=Payout.State.PROCESSING).aggregate(total=Sum("amount"))
    context = {
        "file": f,
        "form": forms.NonceForm(initial={"nonce": _nonce()}),
        "processing_count": Payout.objects.filter(file=f, state=Payout.State.PROCESSING).count(),
        "processing_total": int(processing["total"] or 0),
    }
    return render(request, "payouts/op_file_paid.html", context)


def _payout(payout_id: int) -> Payout:
    payout = Payout.objects.select_related("method", "organization").filter(pk=payout_id).first()
    if payout is None:
        raise Http404
    return payout


@login_required
def payout_mark(request: HttpRequest, payout_id: int, outcome: str) -> HttpResponse:
    """Mark one payout paid or failed (with the reason), after a confirmation page."""
    p = _operator(request)
    payout = _payout(payout_id)
    form_class = {"paid": forms.PaidForm, "failed": forms.FailForm}.get(outcome)
    if form_class is None:
        raise Http404
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            data = form.cleaned_data

            def do() -> str:
                if outcome == "paid":
                    services.mark_paid(p, payout.pk, reference=data.get("reference", ""))
                    return _("Payout #%(id)d marked paid.") % {"id": payout.pk}
                services.mark_failed(p, payout.pk, reason=data["reason"])
                return _("Payout #%(id)d marked failed; its money is back on the creator's payable balance.") % {
                    "id": payout.pk
                }

            _once(request, p, f"{outcome}:{payout.pk}", data["nonce"], do)
            return redirect("payouts:run", payout.run_id)
    else:
        form = form_class(initial={"nonce": _nonce()})
    context = {"payout": payout, "form": form, "outcome": outcome}
    return render(request, "payouts/op_payout_mark.html", context, status=400 if request.method == "POST" else 200)


LEDGER_TOTALS = {
    "accounts": ngettext_lazy("%(n)s account", "%(n)s accounts", "n"),
    "transactions": ngettext_lazy("%(n)s transaction", "%(n)s transactions", "n"),
    "entries": ngettext_lazy("%(n)s entry", "%(n)s entries", "n"),
    "holds": ngettext_lazy("%(n)s hold", "%(n)s holds", "n"),
}


@login_required
def ledger_status(request: HttpRequest) -> HttpResponse:
    _operator(request)
    problems = ledger_verify.verify()
    totals = [
        str(LEDGER_TOTALS[what] % {"n": n}) if what in LEDGER_TOTALS else f"{n} {what}"
        for what, n in ledger_verify.totals().items()
    ]
    context = {"problems": problems, "totals": totals, "checked_at": clock.now()}
    return render(request, "payouts/op_ledger.html", context)
