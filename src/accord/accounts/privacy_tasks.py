"""Background task (django-tasks): a big organization's data export, built by ``accord worker``."""

from __future__ import annotations

from django_tasks import task

from accord.accounts import privacy_export


@task()
def build_export(export_id: int) -> str:
    """Build the export's ZIP (safe to repeat: a finished export is left as it is); returns its state."""
    return privacy_export.run(export_id).state
