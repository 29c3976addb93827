-- Up Migration
-- The statistics cache of `edocwatch serve` (src/http/stats-cache.ts, docs/benchmarks.md "API"):
-- every statement that changes what the KPIs read — the rollups of 0004 and 0008 (written by the
-- triggers on the facts and by `rollups rebuild`), the accounts, the agencies, the mailboxes and
-- the paper registers — notifies channel `edocwatch_stats`. Postgres delivers a notification only
-- when its transaction commits, and once per transaction however many statements sent it, so a
-- listener that drops its cached statistics on each notification never keeps figures older than
-- the last commit for longer than the notification takes to arrive. An UPDATE of a fact that
-- changes no rollup (evidence, timestamps) writes no rollup row and sends nothing.
CREATE FUNCTION edocwatch_stats_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('edocwatch_stats', '');
  RETURN NULL;
END $$;

CREATE TRIGGER exchange_rollup_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON exchange_rollup
  FOR EACH STATEMENT EXECUTE FUNCTION edocwatch_stats_changed();
CREATE TRIGGER message_rollup_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON message_rollup
  FOR EACH STATEMENT EXECUTE FUNCTION edocwatch_stats_changed();
CREATE TRIGGER period_exchange_rollup_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON period_exchange_rollup
  FOR EACH STATEMENT EXECUTE FUNCTION edocwatch_stats_changed();
CREATE TRIGGER period_document_rollup_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON period_document_rollup
  FOR EACH STATEMENT EXECUTE FUNCTION edocwatch_stats_changed();
CREATE TRIGGER period_address_rollup_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON period_address_rollup
  FOR EACH STATEMENT EXECUTE FUNCTION edocwatch_stats_changed();
CREATE TRIGGER period_message_rollup_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON period_message_rollup
  FOR EACH STATEMENT EXECUTE FUNCTION edocwatch_stats_changed();
CREATE TRIGGER accounts_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON accounts
  FOR EACH STATEMENT EXECUTE FUNCTION edocwatch_stats_changed();
CREATE TRIGGER agencies_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON agencies
  FOR EACH STATEMENT EXECUTE FUNCTION edocwatch_stats_changed();
-- A sync updates its mailbox row every time (last_sync_at): only a change of agency counts.
CREATE TRIGGER mailboxes_notify AFTER INSERT OR UPDATE OF agency_code OR DELETE OR TRUNCATE ON mailboxes
  FOR EACH STATEMENT EXECUTE FUNCTION edocwatch_stats_changed();
CREATE TRIGGER register_entries_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON register_entries
  FOR EACH STATEMENT EXECUTE FUNCTION edocwatch_stats_changed();

-- Down Migration

DROP TRIGGER register_entries_notify ON register_entries;
DROP TRIGGER mailboxes_notify ON mailboxes;
DROP TRIGGER agencies_notify ON agencies;
DROP TRIGGER accounts_notify ON accounts;
DROP TRIGGER period_message_rollup_notify ON period_message_rollup;
DROP TRIGGER period_address_rollup_notify ON period_address_rollup;
DROP TRIGGER period_document_rollup_notify ON period_document_rollup;
DROP TRIGGER period_exchange_rollup_notify ON period_exchange_rollup;
DROP TRIGGER message_rollup_notify ON message_rollup;
DROP TRIGGER exchange_rollup_notify ON exchange_rollup;
DROP FUNCTION edocwatch_stats_changed();
