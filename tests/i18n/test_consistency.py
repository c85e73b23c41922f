"""Django merges every app's catalog into one translation per language: when two apps translate the same msgid
differently, the app listed first in INSTALLED_APPS wins everywhere and the other app silently shows a translation
it did not choose ("laag" where "lage" was meant). Same words, same translation; a different meaning needs its own
context (``pgettext`` / ``{% translate "…" context "…" %}``)."""

from __future__ import annotations

from accord.core.catalogs import apps_with_catalogs, po_path, read_catalog

# Clashes found when this check arrived, each between catalogs of different owners; an owner aligns the wording or
# gives one side a context, then deletes the line. New clashes fail.
KNOWN_CLASHES = {
    "Commission accrued",  # escrow, incentives
    "Deliverable",  # reputation, web
    "Due",  # contracts, web
    "Earnings",  # payouts, web
    "Evidence",  # disputes, incentives
    "Funded",  # contracts, web
    "Held",  # disputes, web
    "Next deadline",  # disputes, web
    "On demand: request a payout to be paid in the next run.",  # payouts, web
    "Other",  # disputes, ledger
    "Paid",  # payouts, web
    "State",  # payouts, web
    "Submitted",  # contracts, web
    "high",  # incentives, reputation
    "low",  # incentives, reputation
}


def _translations() -> dict[tuple[str | None, str], dict[object, list[str]]]:
    found: dict[tuple[str | None, str], dict[object, list[str]]] = {}
    for app in apps_with_catalogs():
        for m in read_catalog(po_path(app)):
            string = m.string if isinstance(m.string, str) else tuple(m.string)
            if not m.id or not all(string if isinstance(string, tuple) else [string]):
                continue
            msgid = m.id if isinstance(m.id, str) else m.id[0]
            found.setdefault((m.context, msgid), {}).setdefault(string, []).append(app)
    return found


def test_a_message_has_one_translation_across_all_catalogs() -> None:
    clashes = {key: apps for key, apps in _translations().items() if len(apps) > 1}
    new = {key: apps for key, apps in clashes.items() if key[0] is not None or key[1] not in KNOWN_CLASHES}
    assert not new, "translated differently by different apps (align them or add a context):\n" + "\n".join(
        f"{msgid!r} (context {ctx!r}): {apps}" for (ctx, msgid), apps in new.items()
    )


def test_known_clashes_are_still_clashes() -> None:
    clashing = {msgid for (ctx, msgid), apps in _translations().items() if ctx is None and len(apps) > 1}
    assert not KNOWN_CLASHES - clashing, f"fixed, delete from KNOWN_CLASHES: {KNOWN_CLASHES - clashing}"
