-- Up Migration
-- K7 (directive §2.7, DESIGN.md "The KPIs"): the official email accounts of each agency, imported
-- from the mail system's account list (CSV export or LDAP), and the per-address activity that
-- tells which of them were used in a period.

-- One row per version of an account: a re-import that changes an account's agency, status or name
-- closes the current version (valid_to) and opens a new one; an account missing from a re-import
-- of the same source is closed. Nothing is deleted, so a past period keeps the accounts it had.
-- An account exists in a period when an enabled version overlaps it ([valid_from, valid_to)).
CREATE TABLE accounts (
  id            bigserial PRIMARY KEY,
  address       text NOT NULL CHECK (address = lower(address) AND address LIKE '%_@_%'),
  agency_code   text NOT NULL REFERENCES agencies(code),
  display_name  text,
  enabled       boolean NOT NULL,
  created_on    timestamptz,
  last_login    timestamptz,
  -- What the version came from: 'csv:agency:<code>', 'csv:by-domain' or 'ldap'. A re-import
  -- closes only the accounts of its own source that it no longer lists.
  source        text NOT NULL,
  valid_from    timestamptz NOT NULL,
  valid_to      timestamptz,
  imported_at   timestamptz NOT NULL DEFAULT now(),
  CHECK (valid_to IS NULL OR valid_to > valid_from)
);
-- At most one current version per address.
CREATE UNIQUE INDEX accounts_current_idx ON accounts (address) WHERE valid_to IS NULL;
CREATE INDEX accounts_address_idx ON accounts (address, valid_from);

-- Period rollups: the counts behind `stats` keyed by the reporting period itself, '2026-Q3' and
-- '2026' (DESIGN.md: periods are YYYY-Qn and YYYY, in Asia/Ho_Chi_Minh). Each fact adds to the
-- row of its quarter and to that of its year, so a quarter's or a year's statistics read one key,
-- whatever the volume: the day-grain rollups of 0004 hold about one row per exchange at 10 million
-- messages (every day has its own sender/receiver pairs) and were no faster than the facts
-- (docs/benchmarks.md, "Statistics"). Kept by statement-level triggers like those of 0004;
-- `edocwatch rollups check|rebuild` covers them.

CREATE FUNCTION edocwatch_periods(t timestamptz) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ARRAY[to_char(t AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-"Q"Q'), to_char(t AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY')] $$;

-- Exchanges per period and agency side, as the KPIs read them (src/db/stats.ts): the sender's side
-- (direction outbound, or internal when both sides are the agency; weight 1), the receiver's side
-- (inbound; weight 1 only when the sender is no agency, so province-wide totals count each exchange
-- once) and, for an exchange with no agency on either side, one row under agency ''.
CREATE TABLE period_exchange_rollup (
  period        text NOT NULL,
  agency_code   text NOT NULL,
  direction     text NOT NULL,
  weight        smallint NOT NULL,
  flow          text NOT NULL,
  form          text NOT NULL,
  digitization  text NOT NULL,
  signed        boolean NOT NULL,
  secret        boolean NOT NULL,
  has_document  boolean NOT NULL,
  n             bigint NOT NULL,
  PRIMARY KEY (period, agency_code, direction, weight, flow, form, digitization, signed, secret, has_document)
);

-- Documents exchanged per period: agency '' for the province, else each agency on a side; one row
-- per document, so a period's distinct documents are a count of rows with n > 0.
CREATE TABLE period_document_rollup (
  period       text NOT NULL,
  agency_code  text NOT NULL,
  document_id  bigint NOT NULL,
  n            bigint NOT NULL,
  PRIMARY KEY (period, agency_code, document_id)
);

-- K7's activity: exchanges each address sent and received per period.
CREATE TABLE period_address_rollup (
  period    text NOT NULL,
  address   text NOT NULL,
  sent      bigint NOT NULL,
  received  bigint NOT NULL,
  PRIMARY KEY (period, address)
);

-- Messages per period, mailbox, state and direction (the day of 0004's message_rollup).
CREATE TABLE period_message_rollup (
  period      text NOT NULL,
  mailbox_id  bigint NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  state       text NOT NULL,
  direction   text NOT NULL,
  n           bigint NOT NULL,
  PRIMARY KEY (period, mailbox_id, state, direction)
);
CREATE INDEX period_message_rollup_mailbox ON period_message_rollup (mailbox_id);

-- One statement per trigger firing updates the three exchange rollups from `delta`, the exchanges
-- removed (-1) and added (+1) by the statement; only the source of `delta` depends on the event,
-- so it is put in with format(). Deltas are summed per key and applied in key order (no deadlock
-- between concurrent writers); keys whose delta is 0 (an UPDATE of evidence) are not touched.
CREATE FUNCTION period_exchange_rollup_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  cols text := 'msg_date, sender_agency, receiver_agency, sender_address, receiver_address, document_id, flow, '
    || 'COALESCE(form, '''') AS form, digitization, signed, secret, has_document';
  delta text;
BEGIN
  IF TG_OP = 'INSERT' THEN
    delta := format('SELECT %s, 1 AS d FROM new_rows', cols);
  ELSIF TG_OP = 'DELETE' THEN
    delta := format('SELECT %s, -1 AS d FROM old_rows', cols);
  ELSE
    delta := format('SELECT %s, -1 AS d FROM old_rows UNION ALL SELECT %s, 1 FROM new_rows', cols, cols);
  END IF;
  EXECUTE format($sql$
    WITH delta AS (%s),
    ex AS (
      INSERT INTO period_exchange_rollup AS r
      SELECT p, agency_code, direction, weight, flow, form, digitization, signed, secret, has_document, sum(d)
        FROM (SELECT sender_agency AS agency_code, CASE WHEN sender_agency = receiver_agency THEN 'internal' ELSE 'outbound' END AS direction,
                     1::smallint AS weight, x.* FROM delta x WHERE sender_agency IS NOT NULL
              UNION ALL
              SELECT receiver_agency, 'inbound', CASE WHEN sender_agency IS NULL THEN 1 ELSE 0 END::smallint, x.*
                FROM delta x WHERE receiver_agency IS NOT NULL AND receiver_agency IS DISTINCT FROM sender_agency
              UNION ALL
              SELECT '', '', 1::smallint, x.* FROM delta x WHERE sender_agency IS NULL AND receiver_agency IS NULL) s,
             unnest(edocwatch_periods(msg_date)) p
       GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 HAVING sum(d) <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
      ON CONFLICT (period, agency_code, direction, weight, flow, form, digitization, signed, secret, has_document)
      DO UPDATE SET n = r.n + EXCLUDED.n),
    docs AS (
      INSERT INTO period_document_rollup AS r
      SELECT p, agency_code, document_id, sum(d)
        FROM (SELECT '' AS agency_code, document_id, msg_date, d FROM delta WHERE document_id IS NOT NULL
              UNION ALL
              SELECT sender_agency, document_id, msg_date, d FROM delta WHERE document_id IS NOT NULL AND sender_agency IS NOT NULL
              UNION ALL
              SELECT receiver_agency, document_id, msg_date, d FROM delta
               WHERE document_id IS NOT NULL AND receiver_agency IS NOT NULL AND receiver_agency IS DISTINCT FROM sender_agency) s,
             unnest(edocwatch_periods(msg_date)) p
       GROUP BY 1, 2, 3 HAVING sum(d) <> 0 ORDER BY 1, 2, 3
      ON CONFLICT (period, agency_code, document_id) DO UPDATE SET n = r.n + EXCLUDED.n)
    INSERT INTO period_address_rollup AS r
    SELECT p, address, sum(s), sum(rc)
      FROM (SELECT sender_address AS address, d AS s, 0 AS rc, msg_date FROM delta WHERE sender_address IS NOT NULL
            UNION ALL
            SELECT receiver_address, 0, d, msg_date FROM delta WHERE receiver_address IS NOT NULL) x,
           unnest(edocwatch_periods(msg_date)) p
     GROUP BY 1, 2 HAVING sum(s) <> 0 OR sum(rc) <> 0 ORDER BY 1, 2
    ON CONFLICT (period, address) DO UPDATE SET sent = r.sent + EXCLUDED.sent, received = r.received + EXCLUDED.received
  $sql$, delta);
  RETURN NULL;
END $$;

CREATE TRIGGER exchanges_period_rollup_insert AFTER INSERT ON exchanges
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION period_exchange_rollup_apply();
CREATE TRIGGER exchanges_period_rollup_update AFTER UPDATE ON exchanges
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION period_exchange_rollup_apply();
CREATE TRIGGER exchanges_period_rollup_delete AFTER DELETE ON exchanges
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION period_exchange_rollup_apply();

-- A message's period is that of the day 0004 gives it: Date, else INTERNALDATE, else fetched.
CREATE FUNCTION period_message_rollup_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO period_message_rollup AS r
    SELECT p, mailbox_id, state, COALESCE(direction, ''), count(*)
      FROM new_rows, unnest(edocwatch_periods(COALESCE(msg_date, internal_date, fetched_at))) p
     GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (period, mailbox_id, state, direction) DO UPDATE SET n = r.n + EXCLUDED.n;
  ELSIF TG_OP = 'DELETE' THEN
    -- A mailbox deleted with its messages takes its rows with it (ON DELETE CASCADE).
    UPDATE period_message_rollup AS r SET n = r.n - x.c
      FROM (SELECT p AS period, mailbox_id, state, COALESCE(direction, '') AS direction, count(*) AS c
              FROM old_rows, unnest(edocwatch_periods(COALESCE(msg_date, internal_date, fetched_at))) p
             GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4) x
     WHERE r.period = x.period AND r.mailbox_id = x.mailbox_id AND r.state = x.state AND r.direction = x.direction;
  ELSE
    INSERT INTO period_message_rollup AS r
    SELECT p, mailbox_id, state, direction, sum(d)
      FROM (SELECT COALESCE(msg_date, internal_date, fetched_at) AS t, mailbox_id, state, COALESCE(direction, '') AS direction, -1 AS d FROM old_rows
            UNION ALL
            SELECT COALESCE(msg_date, internal_date, fetched_at), mailbox_id, state, COALESCE(direction, ''), 1 FROM new_rows) x,
           unnest(edocwatch_periods(t)) p
     GROUP BY 1, 2, 3, 4 HAVING sum(d) <> 0 ORDER BY 1, 2, 3, 4
    ON CONFLICT (period, mailbox_id, state, direction) DO UPDATE SET n = r.n + EXCLUDED.n;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER messages_period_rollup_insert AFTER INSERT ON messages
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION period_message_rollup_apply();
CREATE TRIGGER messages_period_rollup_update AFTER UPDATE ON messages
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION period_message_rollup_apply();
CREATE TRIGGER messages_period_rollup_delete AFTER DELETE ON messages
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION period_message_rollup_apply();

-- An upgrade: the facts already stored, counted once (the same SELECTs as src/db/rollups.ts).
INSERT INTO period_exchange_rollup
SELECT p AS period, agency_code, direction, weight, flow, form, digitization, signed, secret, has_document, count(*)::bigint AS n
  FROM (SELECT sender_agency AS agency_code, CASE WHEN sender_agency = receiver_agency THEN 'internal' ELSE 'outbound' END AS direction,
               1::smallint AS weight, msg_date, flow, COALESCE(form, '') AS form, digitization, signed, secret, has_document
          FROM exchanges WHERE sender_agency IS NOT NULL
        UNION ALL
        SELECT receiver_agency, 'inbound', CASE WHEN sender_agency IS NULL THEN 1 ELSE 0 END::smallint, msg_date, flow, COALESCE(form, ''),
               digitization, signed, secret, has_document
          FROM exchanges WHERE receiver_agency IS NOT NULL AND receiver_agency IS DISTINCT FROM sender_agency
        UNION ALL
        SELECT '', '', 1::smallint, msg_date, flow, COALESCE(form, ''), digitization, signed, secret, has_document
          FROM exchanges WHERE sender_agency IS NULL AND receiver_agency IS NULL) s,
       unnest(edocwatch_periods(msg_date)) p
 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;
INSERT INTO period_document_rollup
SELECT p AS period, agency_code, document_id, count(*)::bigint AS n
  FROM (SELECT '' AS agency_code, document_id, msg_date FROM exchanges WHERE document_id IS NOT NULL
        UNION ALL
        SELECT sender_agency, document_id, msg_date FROM exchanges WHERE document_id IS NOT NULL AND sender_agency IS NOT NULL
        UNION ALL
        SELECT receiver_agency, document_id, msg_date FROM exchanges
         WHERE document_id IS NOT NULL AND receiver_agency IS NOT NULL AND receiver_agency IS DISTINCT FROM sender_agency) s,
       unnest(edocwatch_periods(msg_date)) p
 GROUP BY 1, 2, 3;
INSERT INTO period_address_rollup
SELECT p AS period, address, sum(s)::bigint AS sent, sum(rc)::bigint AS received
  FROM (SELECT sender_address AS address, 1 AS s, 0 AS rc, msg_date FROM exchanges WHERE sender_address IS NOT NULL
        UNION ALL
        SELECT receiver_address, 0, 1, msg_date FROM exchanges WHERE receiver_address IS NOT NULL) x,
       unnest(edocwatch_periods(msg_date)) p
 GROUP BY 1, 2;
INSERT INTO period_message_rollup
SELECT p AS period, mailbox_id, state, COALESCE(direction, '') AS direction, count(*)::bigint AS n
  FROM messages, unnest(edocwatch_periods(COALESCE(msg_date, internal_date, fetched_at))) p
 GROUP BY 1, 2, 3, 4;

-- Down Migration

DROP TRIGGER messages_period_rollup_delete ON messages;
DROP TRIGGER messages_period_rollup_update ON messages;
DROP TRIGGER messages_period_rollup_insert ON messages;
DROP TRIGGER exchanges_period_rollup_delete ON exchanges;
DROP TRIGGER exchanges_period_rollup_update ON exchanges;
DROP TRIGGER exchanges_period_rollup_insert ON exchanges;
DROP FUNCTION period_message_rollup_apply();
DROP FUNCTION period_exchange_rollup_apply();
DROP TABLE period_message_rollup, period_address_rollup, period_document_rollup, period_exchange_rollup;
DROP FUNCTION edocwatch_periods(timestamptz);
DROP TABLE accounts;
