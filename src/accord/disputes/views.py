"""Dispute pages. Parties: their disputes and what they could dispute, opening one, a dispute with its evidence and
history, respond / add evidence (with files) / answer a proposal / withdraw. Operators (the console): the queue sorted
by the next deadline, the evidence view with private notes, propose and decide, and statistics. Every change goes
through ``accord.disputes.services``.

Every form carries a nonce drawn with the page; the view claims it in the platform's idempotency store
(``claim_once``) before acting, so a double submit of the same form (two tabs, a double click, a resent POST) acts
once. A refusal or a crash gives the nonce back so the same form can try again."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.accounts.auth import Principal
from accord.accounts.pages import attempt as _attempt
from accord.accounts.pages import require_principal as _principal
from accord.core import idempotency
from accord.core.errors import DomainError, NotFound
from accord.disputes import services, states
from accord.disputes.models import Dispute


def _nonce() -> str:
    return uuid.uuid4().hex


def _once(request: HttpRequest, p: Principal, action: str, call: Callable[[], object], success: str) -> bool:
    """Run ``call`` once per form nonce; a refusal (or a crash) releases the nonce so the same form can retry."""
    nonce = request.POST.get("nonce", "")
    if not nonce:
        messages.error(request, _("This form is out of date. Reload the page and try again."))
        return False
    claim = idempotency.claim_once(f"web:{p.org_id}", f"web:disputes:{action}:{nonce}", request.path)
    if claim is None:
        messages.info(request, _("This was already submitted; nothing was done twice."))
        return False
    try:
        done = _attempt(request, call, success)
    except BaseException:
        idempotency.release(claim)
        raise
    if not done:
        idempotency.release(claim)
    return done


def _choices(labels: Mapping[str, object], keys: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(k, str(labels.get(k, k))) for k in keys]


@login_required
def dispute_list(request: HttpRequest) -> HttpResponse:
    p = _principal(request)
    if p.is_operator:
        return render(request, "disputes/queue.html", {"queue": services.queue(p), "principal": p})
    rows = services.visible_to(p).order_by("-opened_at")[:200]
    context = {"disputes": rows, "principal": p, "disputable": services.disputable(p)}
    return render(request, "disputes/list.html", context)


@login_required
def dispute_detail(request: HttpRequest, dispute_id: int) -> HttpResponse:
    p = _principal(request)
    try:
        dispute = services.get_dispute(p, dispute_id)
        history = list(services.history(p, dispute_id))
    except NotFound:
        raise Http404 from None
    side = "operator" if p.is_operator else dispute.side_of(p.org_id)
    context = {
        "d": dispute,
        "side": side,
        "principal": p,
        "items": dispute.items.select_related("escrow_hold", "accrual").order_by("id"),
        "evidence": dispute.evidence.order_by("id"),
        "history": history,
        "proposals": dispute.proposals.order_by("number"),
        "open_proposal": dispute.proposals.filter(status="open").first(),
        "outcomes": [(o, Dispute.Outcome(o).label) for o in states.OUTCOMES],
        "is_open": dispute.status in states.OPEN_STATES,
        "nonce": _nonce(),
        "sides": states.SIDE_LABELS,
    }
    return render(request, "disputes/detail.html", context)


@login_required
def evidence_file(request: HttpRequest, dispute_id: int, evidence_id: int) -> FileResponse:
    """An evidence file, for the dispute's parties and operators only (never served from MEDIA_URL)."""
    try:
        ev = services.evidence_file(_principal(request), dispute_id, evidence_id)
    except NotFound:
        raise Http404 from None
    return FileResponse(ev.file.open("rb"), as_attachment=True, filename=ev.file.name.rsplit("/", 1)[-1])


@login_required
@require_POST
def dispute_action(request: HttpRequest, dispute_id: int, action: str) -> HttpResponse:
    p = _principal(request)
    post = request.POST

    def amount() -> int | None:
        raw = post.get("creator_amount") or ""
        return int(raw) if raw.strip().isdigit() else None

    def extend_to() -> date | None:
        raw = post.get("extend_to") or ""
        try:
            return date.fromisoformat(raw) if raw else None
        except ValueError:
            return None

    actions: dict[str, tuple[Callable[[], object], str]] = {
        "respond": (lambda: services.respond(p, dispute_id, statement=post.get("statement", "")), _("Response sent.")),
        "withdraw": (lambda: services.withdraw(p, dispute_id, reason=post.get("reason", "")), _("Withdrawn.")),
        "evidence": (
            lambda: services.add_evidence(
                p, dispute_id, text=post.get("text", ""), title=post.get("title", ""), upload=request.FILES.get("file")
            ),
            _("Evidence added."),
        ),
        "answer": (
            lambda: services.answer(
                p, dispute_id, proposal_number=int(post.get("proposal") or 0), accept=post.get("accept") == "yes"
            ),
            _("Answer recorded."),
        ),
        "propose": (
            lambda: services.propose(
                p,
                dispute_id,
                outcome=post.get("outcome", ""),
                creator_amount=amount(),
                extend_to=extend_to(),
                note=post.get("note", ""),
            ),
            _("Proposal sent to both parties."),
        ),
        "decide": (
            lambda: services.decide(
                p,
                dispute_id,
                outcome=post.get("outcome", ""),
                creator_amount=amount(),
                extend_to=extend_to(),
                note=post.get("note", ""),
            ),
            _("Decision applied."),
        ),
        "note": (lambda: services.add_note(p, dispute_id, text=post.get("text", "")), _("Note saved.")),
    }
    if action not in actions:
        raise Http404
    if action == "decide" and post.get("confirm") != "yes":
        return _review_decision(request, p, dispute_id, amount(), extend_to())
    call, success = actions[action]
    _once(request, p, f"{dispute_id}:{action}", call, success)
    return redirect("disputes:detail", dispute_id)


def _review_decision(
    request: HttpRequest, p: Principal, dispute_id: int, creator_amount: int | None, extend_to: date | None
) -> HttpResponse:
    """A final decision moves money: the mediator sees what it does and confirms it (the form keeps its nonce)."""
    post = request.POST
    try:
        preview = services.preview_decision(
            p, dispute_id, outcome=post.get("outcome", ""), creator_amount=creator_amount, extend_to=extend_to
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("disputes:detail", dispute_id)
    context = {
        "preview": preview,
        "d": preview.dispute,
        "outcome_label": Dispute.Outcome(preview.outcome).label,
        "note": post.get("note", ""),
        "nonce": post.get("nonce", ""),
        "creator_amount": creator_amount or "",
        "extend_to": extend_to.isoformat() if extend_to else "",
    }
    return render(request, "disputes/confirm_decision.html", context)


@login_required
def open_dispute(request: HttpRequest) -> HttpResponse:
    """GET: the form to open a dispute on a target (``?target_type=…&target_id=…``); POST: open it."""
    p = _principal(request)
    if request.method != "POST":
        return _open_form(request, p, request.GET)
    post = request.POST
    created: list[Dispute] = []
    tried: list[bool] = []

    def call() -> None:
        tried.append(True)
        raw_id, raw_contract = post.get("target_id") or "", post.get("contract_id") or ""
        created.append(
            services.open_dispute(
                p,
                target_type=post.get("target_type", ""),
                target_id=int(raw_id) if raw_id.isdigit() else 0,
                reason=post.get("reason", ""),
                statement=post.get("statement", ""),
                contract_id=int(raw_contract) if raw_contract.isdigit() else None,
            )
        )

    if _once(request, p, "open", call, _("Dispute opened: the money in question is frozen.")):
        return redirect("disputes:detail", created[0].pk)
    if tried and post.get("target_type") in states.TARGETS and not p.is_operator:
        # The service's refusal (a state, the window, a wrong number) shows above the form as it was filled in.
        return _open_form(request, p, post, status=400)
    return redirect("disputes:list")


def _open_form(request: HttpRequest, p: Principal, data: Mapping[str, str], status: int = 200) -> HttpResponse:
    """The form to open a dispute on a target (``target_type``, ``target_id``, for a payout ``contract_id``)."""
    target_type = data.get("target_type", "")
    if p.is_operator or target_type not in states.TARGETS:
        raise Http404
    context = {
        "target_type": target_type,
        "target_label": states.TARGET_LABELS[target_type],
        "target_id": data.get("target_id", ""),
        "contract_id": data.get("contract_id", ""),
        "reason": data.get("reason", ""),
        "statement": data.get("statement", ""),
        "reasons": _choices(states.REASON_LABELS, states.REASONS),
        "nonce": _nonce(),
    }
    return render(request, "disputes/open.html", context, status=status)


@login_required
def dispute_stats(request: HttpRequest) -> HttpResponse:
    p = _principal(request)
    if not p.is_operator:
        raise Http404
    stats = services.statistics(p)
    by_reason = [
        (
            str(states.REASON_LABELS.get(reason, reason)),
            [(str(Dispute.Outcome(o).label) if o in Dispute.Outcome.values else o, n) for o, n in outcomes.items()],
        )
        for reason, outcomes in sorted(stats["outcomes_by_reason"].items())
    ]
    return render(request, "disputes/stats.html", {"stats": stats, "by_reason": by_reason})
