"""Django merges every app's catalog into one translation per language: when two apps translate the same msgid
differently, the app listed first in INSTALLED_APPS wins everywhere and the other app silently shows a translation
it did not choose ("laag" where "lage" was meant). Same words, same translation; a different meaning needs its own
context (``pgettext`` / ``{% translate "…" context "…" %}``)."""

from __future__ import annotations

from accord.core.catalogs import apps_with_catalogs, po_path, read_catalog


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
    assert not clashes, "translated differently by different apps (align them or add a context):\n" + "\n".join(
        f"{msgid!r} (context {ctx!r}): {apps}" for (ctx, msgid), apps in clashes.items()
    )
