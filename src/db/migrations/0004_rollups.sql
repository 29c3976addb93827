-- Up Migration
-- Rollups: the counts behind `stats`, the report and the dashboard, kept by statement-level
-- triggers in the same transaction as the facts, so they are never behind and never half-applied.
-- A day is a calendar day in Asia/Ho_Chi_Minh, so quarters and years are whole days. NULLs of the
-- facts are '' here (a primary key cannot hold NULL). `edocwatch rollups check` compares them with
-- the facts; `edocwatch rollups rebuild` recomputes them.

CREATE TABLE exchange_rollup (
  day              date NOT NULL,
  sender_agency    text NOT NULL,
  receiver_agency  text NOT NULL,
  flow             text NOT NULL,
  form             text NOT NULL,
  digitization     text NOT NULL,
  signed           boolean NOT NULL,
  secret           boolean NOT NULL,
  has_document     boolean NOT NULL,
  n                bigint NOT NULL,
  PRIMARY KEY (day, sender_agency, receiver_agency, flow, form, digitization, signed, secret, has_document)
);

CREATE TABLE message_rollup (
  day         date NOT NULL,
  mailbox_id  bigint NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  state       text NOT NULL,
  direction   text NOT NULL,
  n           bigint NOT NULL,
  PRIMARY KEY (day, mailbox_id, state, direction)
);
CREATE INDEX message_rollup_mailbox ON message_rollup (mailbox_id, day);

CREATE FUNCTION edocwatch_local_day(t timestamptz) RETURNS date
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT (t AT TIME ZONE 'Asia/Ho_Chi_Minh')::date $$;

-- One function per table and event kind; the deltas of a statement are summed per key and applied
-- in key order (no deadlock between concurrent writers), and a key whose delta is 0 is not touched
-- (an UPDATE of evidence or timestamps writes nothing here).
CREATE FUNCTION exchange_rollup_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO exchange_rollup AS r
    SELECT edocwatch_local_day(msg_date), COALESCE(sender_agency, ''), COALESCE(receiver_agency, ''), flow,
           COALESCE(form, ''), digitization, signed, secret, has_document, count(*)
      FROM new_rows GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9
    ON CONFLICT (day, sender_agency, receiver_agency, flow, form, digitization, signed, secret, has_document)
    DO UPDATE SET n = r.n + EXCLUDED.n;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO exchange_rollup AS r
    SELECT edocwatch_local_day(msg_date), COALESCE(sender_agency, ''), COALESCE(receiver_agency, ''), flow,
           COALESCE(form, ''), digitization, signed, secret, has_document, -count(*)
      FROM old_rows GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9
    ON CONFLICT (day, sender_agency, receiver_agency, flow, form, digitization, signed, secret, has_document)
    DO UPDATE SET n = r.n + EXCLUDED.n;
  ELSE
    INSERT INTO exchange_rollup AS r
    SELECT day, sa, ra, flow, form, digitization, signed, secret, has_document, sum(d)
      FROM (SELECT edocwatch_local_day(msg_date) AS day, COALESCE(sender_agency, '') AS sa, COALESCE(receiver_agency, '') AS ra,
                   flow, COALESCE(form, '') AS form, digitization, signed, secret, has_document, -1 AS d FROM old_rows
            UNION ALL
            SELECT edocwatch_local_day(msg_date), COALESCE(sender_agency, ''), COALESCE(receiver_agency, ''),
                   flow, COALESCE(form, ''), digitization, signed, secret, has_document, 1 FROM new_rows) x
     GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9 HAVING sum(d) <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9
    ON CONFLICT (day, sender_agency, receiver_agency, flow, form, digitization, signed, secret, has_document)
    DO UPDATE SET n = r.n + EXCLUDED.n;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER exchanges_rollup_insert AFTER INSERT ON exchanges
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION exchange_rollup_apply();
CREATE TRIGGER exchanges_rollup_update AFTER UPDATE ON exchanges
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION exchange_rollup_apply();
CREATE TRIGGER exchanges_rollup_delete AFTER DELETE ON exchanges
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION exchange_rollup_apply();

-- A message's day is the day it was written (Date), else when the server got it, else when we did.
CREATE FUNCTION message_rollup_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO message_rollup AS r
    SELECT edocwatch_local_day(COALESCE(msg_date, internal_date, fetched_at)), mailbox_id, state, COALESCE(direction, ''), count(*)
      FROM new_rows GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (day, mailbox_id, state, direction) DO UPDATE SET n = r.n + EXCLUDED.n;
  ELSIF TG_OP = 'DELETE' THEN
    -- A mailbox deleted with its messages takes its rollup rows with it (ON DELETE CASCADE):
    -- only the rows still there are adjusted.
    UPDATE message_rollup AS r SET n = r.n - x.c
      FROM (SELECT edocwatch_local_day(COALESCE(msg_date, internal_date, fetched_at)) AS day, mailbox_id, state,
                   COALESCE(direction, '') AS direction, count(*) AS c
              FROM old_rows GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4) x
     WHERE r.day = x.day AND r.mailbox_id = x.mailbox_id AND r.state = x.state AND r.direction = x.direction;
  ELSE
    INSERT INTO message_rollup AS r
    SELECT day, mailbox_id, state, direction, sum(d)
      FROM (SELECT edocwatch_local_day(COALESCE(msg_date, internal_date, fetched_at)) AS day, mailbox_id, state,
                   COALESCE(direction, '') AS direction, -1 AS d FROM old_rows
            UNION ALL
            SELECT edocwatch_local_day(COALESCE(msg_date, internal_date, fetched_at)), mailbox_id, state, COALESCE(direction, ''), 1
              FROM new_rows) x
     GROUP BY 1, 2, 3, 4 HAVING sum(d) <> 0 ORDER BY 1, 2, 3, 4
    ON CONFLICT (day, mailbox_id, state, direction) DO UPDATE SET n = r.n + EXCLUDED.n;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER messages_rollup_insert AFTER INSERT ON messages
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION message_rollup_apply();
CREATE TRIGGER messages_rollup_update AFTER UPDATE ON messages
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION message_rollup_apply();
CREATE TRIGGER messages_rollup_delete AFTER DELETE ON messages
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION message_rollup_apply();

-- Down Migration

DROP TRIGGER messages_rollup_delete ON messages;
DROP TRIGGER messages_rollup_update ON messages;
DROP TRIGGER messages_rollup_insert ON messages;
DROP TRIGGER exchanges_rollup_delete ON exchanges;
DROP TRIGGER exchanges_rollup_update ON exchanges;
DROP TRIGGER exchanges_rollup_insert ON exchanges;
DROP FUNCTION message_rollup_apply();
DROP FUNCTION exchange_rollup_apply();
DROP FUNCTION edocwatch_local_day(timestamptz);
DROP TABLE message_rollup;
DROP TABLE exchange_rollup;
