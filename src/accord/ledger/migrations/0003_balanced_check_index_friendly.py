"""Rewrite the balance check so it never joins the whole account table: each entry's currency is looked up by
primary key (a hash join over all accounts made every commit cost milliseconds on a large chart of accounts)."""

from django.db import migrations

from accord.ledger.migrations._postgres import PostgresOnlyRunSQL

FORWARD = """
CREATE OR REPLACE FUNCTION ledger_check_transaction_balanced() RETURNS trigger AS $$
DECLARE
    bad RECORD;
BEGIN
    SELECT c.currency AS currency, SUM(c.amount) AS total INTO bad
      FROM (SELECT e.amount AS amount,
                   (SELECT a.currency FROM ledger_account a WHERE a.id = e.account_id) AS currency
              FROM ledger_entry e
             WHERE e.transaction_id = NEW.transaction_id) c
     GROUP BY c.currency
    HAVING SUM(c.amount) <> 0
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger transaction % does not balance in %: its entries sum to %',
            NEW.transaction_id, bad.currency, bad.total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

BACKWARD = """
CREATE OR REPLACE FUNCTION ledger_check_transaction_balanced() RETURNS trigger AS $$
DECLARE
    bad RECORD;
BEGIN
    SELECT a.currency AS currency, SUM(e.amount) AS total INTO bad
      FROM ledger_entry e JOIN ledger_account a ON a.id = e.account_id
     WHERE e.transaction_id = NEW.transaction_id
     GROUP BY a.currency
    HAVING SUM(e.amount) <> 0
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger transaction % does not balance in %: its entries sum to %',
            NEW.transaction_id, bad.currency, bad.total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_postgres_guards")]

    operations = [PostgresOnlyRunSQL(FORWARD, BACKWARD)]
