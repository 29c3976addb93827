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

-- Activity per local month (Asia/Ho_Chi_Minh) and address, from the exchanges: `sent` counts the
-- exchanges the address sent, `received` those it received. Quarters and years are whole months,
-- so an account's activity in a period is a sum over at most 12 rows. Kept by statement-level
-- triggers like the rollups of 0004; `edocwatch rollups check|rebuild` covers it too.
CREATE TABLE address_rollup (
  month     date NOT NULL,
  address   text NOT NULL,
  sent      bigint NOT NULL,
  received  bigint NOT NULL,
  PRIMARY KEY (month, address)
);

CREATE FUNCTION edocwatch_local_month(t timestamptz) RETURNS date
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT date_trunc('month', t AT TIME ZONE 'Asia/Ho_Chi_Minh')::date $$;

-- The deltas of a statement, summed per key and applied in key order (no deadlock between
-- concurrent writers); keys whose delta is 0 are not touched, so an UPDATE of labels or evidence
-- writes nothing here.
CREATE FUNCTION address_rollup_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO address_rollup AS r
    SELECT month, address, sum(s), sum(rc)
      FROM (SELECT edocwatch_local_month(msg_date) AS month, sender_address AS address, 1 AS s, 0 AS rc FROM new_rows WHERE sender_address IS NOT NULL
            UNION ALL
            SELECT edocwatch_local_month(msg_date), receiver_address, 0, 1 FROM new_rows WHERE receiver_address IS NOT NULL) x
     GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (month, address) DO UPDATE SET sent = r.sent + EXCLUDED.sent, received = r.received + EXCLUDED.received;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO address_rollup AS r
    SELECT month, address, -sum(s), -sum(rc)
      FROM (SELECT edocwatch_local_month(msg_date) AS month, sender_address AS address, 1 AS s, 0 AS rc FROM old_rows WHERE sender_address IS NOT NULL
            UNION ALL
            SELECT edocwatch_local_month(msg_date), receiver_address, 0, 1 FROM old_rows WHERE receiver_address IS NOT NULL) x
     GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (month, address) DO UPDATE SET sent = r.sent + EXCLUDED.sent, received = r.received + EXCLUDED.received;
  ELSE
    INSERT INTO address_rollup AS r
    SELECT month, address, sum(s), sum(rc)
      FROM (SELECT edocwatch_local_month(msg_date) AS month, sender_address AS address, -1 AS s, 0 AS rc FROM old_rows WHERE sender_address IS NOT NULL
            UNION ALL
            SELECT edocwatch_local_month(msg_date), receiver_address, 0, -1 FROM old_rows WHERE receiver_address IS NOT NULL
            UNION ALL
            SELECT edocwatch_local_month(msg_date), sender_address, 1, 0 FROM new_rows WHERE sender_address IS NOT NULL
            UNION ALL
            SELECT edocwatch_local_month(msg_date), receiver_address, 0, 1 FROM new_rows WHERE receiver_address IS NOT NULL) x
     GROUP BY 1, 2 HAVING sum(s) <> 0 OR sum(rc) <> 0 ORDER BY 1, 2
    ON CONFLICT (month, address) DO UPDATE SET sent = r.sent + EXCLUDED.sent, received = r.received + EXCLUDED.received;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER exchanges_address_rollup_insert AFTER INSERT ON exchanges
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION address_rollup_apply();
CREATE TRIGGER exchanges_address_rollup_update AFTER UPDATE ON exchanges
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION address_rollup_apply();
CREATE TRIGGER exchanges_address_rollup_delete AFTER DELETE ON exchanges
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION address_rollup_apply();

-- Existing exchanges (an upgrade): their activity, at once.
INSERT INTO address_rollup
SELECT month, address, sum(s), sum(rc)
  FROM (SELECT edocwatch_local_month(msg_date) AS month, sender_address AS address, 1 AS s, 0 AS rc FROM exchanges WHERE sender_address IS NOT NULL
        UNION ALL
        SELECT edocwatch_local_month(msg_date), receiver_address, 0, 1 FROM exchanges WHERE receiver_address IS NOT NULL) x
 GROUP BY 1, 2;

-- Down Migration

DROP TRIGGER exchanges_address_rollup_delete ON exchanges;
DROP TRIGGER exchanges_address_rollup_update ON exchanges;
DROP TRIGGER exchanges_address_rollup_insert ON exchanges;
DROP FUNCTION address_rollup_apply();
DROP FUNCTION edocwatch_local_month(timestamptz);
DROP TABLE address_rollup;
DROP TABLE accounts;
