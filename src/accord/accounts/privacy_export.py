"""An organization's data export: a ZIP of JSON files (one per area) and a README, for its owners only.

Small organizations get theirs at once; big ones are handed to the background worker (as payout runs are), and the
export row says how far it got. The file lives outside MEDIA_ROOT (never served directly) and expires."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils.crypto import get_random_string

from accord.accounts.auth import Principal
from accord.accounts.models import DataExport, Organization, Role
from accord.accounts.privacy_rows import modules
from accord.core import clock
from accord.core.errors import Conflict, NotFound, PermissionDenied

KEEP_FOR = timedelta(days=7)

README = """Accord data export
==================

Organization: {name} (#{id}, {kind})
Made at: {at} (UTC). This download expires at {expires}.

One JSON file per area, each a list of records as Accord stores them. Amounts are integers in the minor unit of
their currency (cents). Secrets are never exported: API keys appear by name and prefix, bank accounts masked as
every Accord page shows them (country, check digits and last four), webhook and shop secrets not at all. Records
of other organizations appear only where they are part of your own (the counterparty of your contract, say), never
their own data.

Files:
{files}
"""


def require_owner(principal: Principal) -> None:
    if principal.user is None or principal.role != Role.OWNER:
        raise PermissionDenied("only an owner of the organization may export or delete its data")


def export_dir() -> Path:
    return Path(getattr(settings, "ACCORD_EXPORT_DIR", settings.VAR_DIR / "exports"))


def inline_max() -> int:
    return int(getattr(settings, "ACCORD_EXPORT_INLINE_MAX", 5000))


def collect(org: Organization) -> dict[str, list[dict[str, Any]]]:
    """Every app's part, keyed ``<app>.<area>``."""
    data: dict[str, list[dict[str, Any]]] = {}
    for module in modules():
        app = module.__name__.split(".")[1]
        for area, records in module.export(org).items():
            data[f"{app}.{area}"] = records
    return data


def build_zip(org: Organization, expires_at: Any) -> bytes:
    data = collect(org)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        listing = []
        for area, records in sorted(data.items()):
            archive.writestr(f"{area}.json", json.dumps(records, cls=DjangoJSONEncoder, indent=1, ensure_ascii=False))
            listing.append(f"  {area}.json: {len(records)} record(s)")
        archive.writestr(
            "README.txt",
            README.format(
                name=org.name,
                id=org.pk,
                kind=org.kind,
                at=clock.now().isoformat(timespec="seconds"),
                expires=expires_at.isoformat(timespec="seconds"),
                files="\n".join(listing),
            ),
        )
    return buffer.getvalue()


def _size_estimate(org: Organization) -> int:
    """Ledger entries dominate a busy organization's export; they decide inline or background."""
    from accord.ledger import privacy as ledger_privacy
    from accord.ledger.models import Entry

    return Entry.objects.filter(account__in=ledger_privacy.org_accounts(org)).count()


def run(export_id: int) -> DataExport:
    """Build the file of a pending export (safe to repeat: a finished export is left as it is)."""
    export = DataExport.objects.select_related("organization").get(pk=export_id)
    if export.state != DataExport.State.PENDING:
        return export
    try:
        content = build_zip(export.organization, export.expires_at)
    except Exception as exc:
        DataExport.objects.filter(pk=export.pk).update(
            state=DataExport.State.FAILED, error=str(exc)[:500], finished_at=clock.now()
        )
        raise
    folder = export_dir() / str(export.organization_id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{export.pk}-{get_random_string(24)}.zip"
    path.write_bytes(content)
    export.state = DataExport.State.READY
    export.path = str(path)
    export.size = len(content)
    export.finished_at = clock.now()
    export.save(update_fields=["state", "path", "size", "finished_at"])
    return export


def request_export(principal: Principal) -> tuple[DataExport, bool]:
    """An owner asks for the organization's data. Returns (export, whether it is built in the background)."""
    require_owner(principal)
    org = principal.organization
    if org.deleted_at is not None:
        raise Conflict("this organization has been deleted", code="organization_deleted")
    with transaction.atomic():
        export = DataExport.objects.create(
            organization=org, requested_by=principal.user, expires_at=clock.now() + KEEP_FOR
        )
        principal.audit("organization.export_requested", "data_export", export.pk)
        background = _size_estimate(org) > inline_max()
        if background:
            from accord.accounts import privacy_tasks

            export_id = export.pk
            transaction.on_commit(lambda: privacy_tasks.build_export.enqueue(export_id))
    if not background:
        export = run(export.pk)
    return export, background


def get_export(principal: Principal, export_id: int) -> DataExport:
    require_owner(principal)
    export = DataExport.objects.filter(pk=export_id, organization=principal.organization).first()
    if export is None:
        raise NotFound("export not found")
    if export.state == DataExport.State.READY and export.expires_at <= clock.now():
        expire(export)
    return export


def list_exports(principal: Principal) -> list[DataExport]:
    require_owner(principal)
    exports = list(DataExport.objects.filter(organization=principal.organization).order_by("-created_at", "-pk"))
    for export in exports:
        if export.state == DataExport.State.READY and export.expires_at <= clock.now():
            expire(export)
    return exports


def expire(export: DataExport) -> None:
    if export.path:
        Path(export.path).unlink(missing_ok=True)
    export.state = DataExport.State.EXPIRED
    export.path = ""
    export.save(update_fields=["state", "path"])


def content(principal: Principal, export_id: int) -> tuple[str, bytes]:
    """(file name, bytes) of a ready export; a pending, failed or expired one is a 409 saying which."""
    export = get_export(principal, export_id)
    if export.state != DataExport.State.READY:
        raise Conflict(f"the export is {export.state}", code=f"export_{export.state}")
    principal.audit("organization.export_downloaded", "data_export", export.pk)
    name = f"accord-{principal.organization.slug}-{export.created_at:%Y%m%d}-{export.pk}.zip"
    return name, Path(export.path).read_bytes()
