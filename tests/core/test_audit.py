from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.db import connection

from accord.core import audit
from accord.core.models import AuditRecord


def _chain(n: int) -> list[AuditRecord]:
    return [
        audit.append("test.event", actor_label="tester", target_type="thing", target_id=i, data={"i": i})
        for i in range(n)
    ]


def _problems():
    return [p for p in audit.verify() if isinstance(p, audit.AuditProblem)]


@pytest.mark.django_db
def test_chain_links_each_record_to_the_previous() -> None:
    records = _chain(3)
    assert records[0].prev_hash == audit.GENESIS
    assert records[1].prev_hash == records[0].hash
    assert _problems() == []


@pytest.mark.django_db
def test_records_are_append_only() -> None:
    rec = _chain(1)[0]
    rec.action = "changed"
    with pytest.raises(ValueError, match="append-only"):
        rec.save()
    with pytest.raises(ValueError, match="append-only"):
        rec.delete()


@pytest.mark.django_db
def test_verify_names_the_first_altered_record() -> None:
    records = _chain(5)
    AuditRecord.objects.filter(pk=records[2].pk).update(data={"i": 999})
    AuditRecord.objects.filter(pk=records[3].pk).update(action="forged")
    problems = _problems()
    assert len(problems) == 1
    assert problems[0].seq == records[2].seq
    assert "altered" in problems[0].reason


@pytest.mark.django_db
def test_verify_catches_a_removed_record() -> None:
    records = _chain(4)
    AuditRecord.objects.filter(pk=records[1].pk)._raw_delete(connection.alias)  # type: ignore[attr-defined]
    problems = _problems()
    assert problems and problems[0].seq == 2


@pytest.mark.django_db(transaction=True)
def test_cli_audit_verify_exits_nonzero_on_tamper() -> None:
    records = _chain(3)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "accord.settings"}
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        env["ACCORD_VAR_DIR"] = os.path.dirname(db["NAME"])
        # The test database file is what the CLI must read: point the default database at it.
        env["ACCORD_DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    else:
        env["ACCORD_DATABASE_URL"] = (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    cmd = [sys.executable, "-m", "accord.cli", "audit", "verify"]
    ok = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert "audit chain ok: 3 records" in ok.stdout
    AuditRecord.objects.filter(pk=records[1].pk).update(actor_label="mallory")
    bad = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1
    assert f"record #{records[1].seq}" in bad.stderr
