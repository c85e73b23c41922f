"""Migration helpers (not a migration: the name starts with an underscore)."""

from typing import Any

from django.db import migrations


class PostgresOnlyRunSQL(migrations.RunSQL):
    """RunSQL that is a no-op on any database but PostgreSQL."""

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
