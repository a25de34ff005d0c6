-- otpgate schema, version 4 (SQLite): abuse defence (docs/SECURITY.md §8).
--
-- Per-tenant overrides of the deployment's limits, the send log behind the
-- sliding-window limits and the pumping detector, the verify-failure locks,
-- the tenant token buckets, pumping alerts, and test numbers. Every table
-- leads its primary key and unique indexes with tenant_id. Counters hold
-- keyed hashes (HMAC under the phone subkey), never a phone, a prefix or an
-- address in the clear, so the tables that grow with traffic hold no PII.

-- NULL in a setting column means "the deployment's value" (the flags).
CREATE TABLE tenant_policies (
	tenant_id                   TEXT    NOT NULL PRIMARY KEY REFERENCES tenants (id),
	per_phone_count             INTEGER,
	per_phone_window_sec        INTEGER,
	per_prefix_count            INTEGER,
	per_prefix_window_sec       INTEGER,
	per_ip_count                INTEGER,
	per_ip_window_sec           INTEGER,
	tenant_rps                  INTEGER,
	tenant_daily                INTEGER,
	verify_failures_per_phone   INTEGER,
	verify_lock_sec             INTEGER,
	test_numbers_exempt         INTEGER CHECK (test_numbers_exempt IN (0, 1)),
	daily_spend_cap_paise       INTEGER CHECK (daily_spend_cap_paise >= 0),
	pumping_window_sec          INTEGER,
	pumping_min_sends           INTEGER,
	pumping_min_conversion_pct  INTEGER CHECK (pumping_min_conversion_pct BETWEEN 0 AND 100),
	pumping_grace_sec           INTEGER,
	allowed_countries           TEXT,    -- "91,1": calling codes; NULL: the deployment's
	updated_at_ms               INTEGER NOT NULL
) STRICT;

-- One row per accepted send: a sliding-window log. Counts over a window are
-- exact, a refused send leaves no row, and rows older than the longest
-- window are pruned a few at a time by later sends of the same tenant.
CREATE TABLE guard_sends (
	tenant_id   TEXT    NOT NULL,
	id          TEXT    NOT NULL,
	phone_hash  BLOB    NOT NULL CHECK (length(phone_hash) = 32),
	prefix_hash BLOB    NOT NULL CHECK (length(prefix_hash) = 32),
	ip_hash     BLOB    CHECK (ip_hash IS NULL OR length(ip_hash) = 32),
	sent_at_ms  INTEGER NOT NULL,
	verified    INTEGER NOT NULL CHECK (verified IN (0, 1)),
	PRIMARY KEY (tenant_id, id)
) STRICT;
CREATE INDEX guard_sends_phone ON guard_sends (tenant_id, phone_hash, sent_at_ms);
-- Covering, so a prefix's conversion is read from the index alone.
CREATE INDEX guard_sends_prefix ON guard_sends (tenant_id, prefix_hash, sent_at_ms, verified);
CREATE INDEX guard_sends_ip ON guard_sends (tenant_id, ip_hash, sent_at_ms)
	WHERE ip_hash IS NOT NULL;
CREATE INDEX guard_sends_age ON guard_sends (tenant_id, sent_at_ms);

-- The per-tenant token bucket (requests per second), in thousandths of a
-- token, with the rate it was filled at: a new rate starts a full bucket.
CREATE TABLE guard_buckets (
	tenant_id     TEXT    NOT NULL PRIMARY KEY,
	rps           INTEGER NOT NULL CHECK (rps > 0),
	tokens_milli  INTEGER NOT NULL CHECK (tokens_milli >= 0),
	updated_at_ms INTEGER NOT NULL
) STRICT;

-- Consecutive failed verifies per phone across codes, and the lock they cause.
CREATE TABLE guard_verify_locks (
	tenant_id       TEXT    NOT NULL,
	phone_hash      BLOB    NOT NULL CHECK (length(phone_hash) = 32),
	failures        INTEGER NOT NULL CHECK (failures >= 0),
	locked_until_ms INTEGER NOT NULL,
	updated_at_ms   INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, phone_hash)
) STRICT;

-- Pumping alerts. An active alert (lifted_at_ms = 0) blocks its prefix.
CREATE TABLE guard_alerts (
	tenant_id     TEXT    NOT NULL REFERENCES tenants (id),
	id            TEXT    NOT NULL,
	kind          TEXT    NOT NULL CHECK (kind IN ('prefix_blocked')),
	prefix        TEXT    NOT NULL,
	sent          INTEGER NOT NULL CHECK (sent >= 0),
	verified      INTEGER NOT NULL CHECK (verified >= 0),
	window_sec    INTEGER NOT NULL,
	created_at_ms INTEGER NOT NULL,
	lifted_at_ms  INTEGER NOT NULL,
	lifted_by     TEXT    NOT NULL,
	PRIMARY KEY (tenant_id, id)
) STRICT;
-- At most one active block per prefix; racing detectors insert it once.
CREATE UNIQUE INDEX guard_alerts_active ON guard_alerts (tenant_id, prefix)
	WHERE lifted_at_ms = 0;
CREATE INDEX guard_alerts_prefix ON guard_alerts (tenant_id, prefix, lifted_at_ms);
CREATE INDEX guard_alerts_open ON guard_alerts (lifted_at_ms);

CREATE TABLE test_numbers (
	tenant_id     TEXT    NOT NULL REFERENCES tenants (id),
	id            TEXT    NOT NULL,
	phone_hash    BLOB    NOT NULL CHECK (length(phone_hash) = 32),
	phone_masked  TEXT    NOT NULL,
	sealed        BLOB    NOT NULL, -- {"phone","code"}, sealed with the id as context
	created_at_ms INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, id)
) STRICT;
CREATE UNIQUE INDEX test_numbers_phone ON test_numbers (tenant_id, phone_hash);
