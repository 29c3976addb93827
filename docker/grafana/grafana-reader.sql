-- A read-only PostgreSQL role for Grafana's data source: SELECT on the rollups and on the few
-- tables and columns the dashboard reads (docker/grafana/dashboards/edocwatch.json), nothing else —
-- no mail, no passwords or sessions, no sealed mailbox credentials. Grafana runs whatever SQL a
-- dashboard editor types, so its role must not be able to do more (Grafana's own advice).
--
-- Idempotent: run it after `edocwatch migrate` and after each upgrade (the `grafana-reader`
-- service of docker-compose.yml does, before Grafana starts), as the owner of the tables, with
-- psql 15 or later. The role's name is the psql variable `reader`; its password is read from the
-- environment variable GRAFANA_DB_PASSWORD (never on a command line):
--   GRAFANA_DB_PASSWORD='…' psql "$DATABASE_URL" -v reader=grafana_reader -f docker/grafana/grafana-reader.sql
\set ON_ERROR_STOP on
\getenv reader_password GRAFANA_DB_PASSWORD
SELECT :{?reader} AND :{?reader_password} AS ready \gset
\if :ready
\else
  DO $$ BEGIN RAISE EXCEPTION 'grafana-reader.sql: set -v reader=ROLE and the environment variable GRAFANA_DB_PASSWORD'; END $$;
\endif

SELECT format('CREATE ROLE %I LOGIN', :'reader')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'reader') \gexec
SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', :'reader', :'reader_password') \gexec

GRANT CONNECT ON DATABASE :"DBNAME" TO :"reader";
GRANT USAGE ON SCHEMA public TO :"reader";
GRANT SELECT ON exchange_rollup, message_rollup, period_exchange_rollup, period_message_rollup, agencies TO :"reader";
GRANT SELECT (id, agency_code, username, enabled, last_sync_at, last_success_at, last_error, last_error_at) ON mailboxes TO :"reader";
