"""Leave room on account pages so balance updates stay HOT (heap-only: no index writes, less WAL).

Balances change on every transfer; with full pages an update must move the row to another page and write every
index again. A fill factor of 70 keeps free space for the new row versions. PostgreSQL only.
"""

from django.db import migrations

from accord.ledger.migrations._postgres import PostgresOnlyRunSQL


class Migration(migrations.Migration):
    dependencies = [("ledger", "0004_balanced_check_once_per_transaction")]

    operations = [
        PostgresOnlyRunSQL(
            "ALTER TABLE ledger_account SET (fillfactor = 70);",
            "ALTER TABLE ledger_account RESET (fillfactor);",
        )
    ]
