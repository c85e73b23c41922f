"""Check each ledger transaction once at commit, not once per entry.

The deferred trigger fires for every entry row; checking the whole transaction each time made a transaction with n
entries cost O(n²) (a 1,000-entry funding transaction took seconds). The check now remembers, in a transaction-local
setting, the last transaction it verified and the highest entry id it saw; a later event for an entry that was
already part of that check is skipped. Any entry added afterwards (a higher id) triggers a full re-check, so
nothing escapes.
"""

from django.db import migrations

from accord.ledger.migrations._postgres import PostgresOnlyRunSQL

FORWARD = """
CREATE OR REPLACE FUNCTION ledger_check_transaction_balanced() RETURNS trigger AS $$
DECLARE
    memo text := current_setting('ledger.balanced_checked', true);
    bad RECORD;
    last_id bigint;
BEGIN
    IF memo IS NOT NULL AND memo <> ''
       AND split_part(memo, ':', 1)::bigint = NEW.transaction_id
       AND NEW.id <= split_part(memo, ':', 2)::bigint THEN
        RETURN NULL;
    END IF;
    SELECT MAX(e.id) INTO last_id FROM ledger_entry e WHERE e.transaction_id = NEW.transaction_id;
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
    PERFORM set_config('ledger.balanced_checked', NEW.transaction_id::text || ':' || last_id::text, true);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

BACKWARD = """
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


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_balanced_check_index_friendly")]

    operations = [PostgresOnlyRunSQL(FORWARD, BACKWARD)]
