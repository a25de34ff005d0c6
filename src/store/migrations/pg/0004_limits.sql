-- otpgate schema, version 4 (PostgreSQL): abuse defence (docs/SECURITY.md
-- §8), as in migrations/sqlite/0004_limits.sql. Every table leads its
-- primary key and unique indexes with tenant_id. Counters hold keyed
-- hashes, never a phone, a prefix or an address in the clear.

-- NULL in a setting column means "the deployment's value".
CREATE TABLE tenant_policies (
	tenant_id                   text COLLATE "C"    NOT NULL PRIMARY KEY REFERENCES tenants (id),
	per_phone_count             bigint,
	per_phone_window_sec        bigint,
	per_prefix_count            bigint,
	per_prefix_window_sec       bigint,
	per_ip_count                bigint,
	per_ip_window_sec           bigint,
	tenant_rps                  bigint,
	tenant_daily                bigint,
	verify_failures_per_phone   bigint,
	verify_lock_sec             bigint,
	test_numbers_exempt         bigint CHECK (test_numbers_exempt IN (0, 1)),
	daily_spend_cap_paise       bigint CHECK (daily_spend_cap_paise >= 0),
	pumping_window_sec          bigint,
	pumping_min_sends           bigint,
	pumping_min_conversion_pct  bigint CHECK (pumping_min_conversion_pct BETWEEN 0 AND 100),
	pumping_grace_sec           bigint,
	allowed_countries           text,    -- "91,1": calling codes; NULL: the deployment's
	updated_at_ms               bigint  NOT NULL
);

-- One row per accepted send: a sliding-window log.
CREATE TABLE guard_sends (
	tenant_id   text COLLATE "C"    NOT NULL,
	id          text COLLATE "C"    NOT NULL,
	phone_hash  bytea   NOT NULL CHECK (octet_length(phone_hash) = 32),
	prefix_hash bytea   NOT NULL CHECK (octet_length(prefix_hash) = 32),
	ip_hash     bytea   CHECK (ip_hash IS NULL OR octet_length(ip_hash) = 32),
	sent_at_ms  bigint  NOT NULL,
	verified    bigint  NOT NULL CHECK (verified IN (0, 1)),
	PRIMARY KEY (tenant_id, id)
);
CREATE INDEX guard_sends_phone ON guard_sends (tenant_id, phone_hash, sent_at_ms);
CREATE INDEX guard_sends_prefix ON guard_sends (tenant_id, prefix_hash, sent_at_ms, verified);
CREATE INDEX guard_sends_ip ON guard_sends (tenant_id, ip_hash, sent_at_ms)
	WHERE ip_hash IS NOT NULL;
CREATE INDEX guard_sends_age ON guard_sends (tenant_id, sent_at_ms);

-- The per-tenant token bucket (requests per second), in thousandths of a token.
CREATE TABLE guard_buckets (
	tenant_id     text COLLATE "C"    NOT NULL PRIMARY KEY,
	rps           bigint  NOT NULL CHECK (rps > 0),
	tokens_milli  bigint  NOT NULL CHECK (tokens_milli >= 0),
	updated_at_ms bigint  NOT NULL
);

-- Consecutive failed verifies per phone across codes, and the lock they cause.
CREATE TABLE guard_verify_locks (
	tenant_id       text COLLATE "C"    NOT NULL,
	phone_hash      bytea   NOT NULL CHECK (octet_length(phone_hash) = 32),
	failures        bigint  NOT NULL CHECK (failures >= 0),
	locked_until_ms bigint  NOT NULL,
	updated_at_ms   bigint  NOT NULL,
	PRIMARY KEY (tenant_id, phone_hash)
);

-- Pumping alerts. An active alert (lifted_at_ms = 0) blocks its prefix.
CREATE TABLE guard_alerts (
	tenant_id     text COLLATE "C"    NOT NULL REFERENCES tenants (id),
	id            text COLLATE "C"    NOT NULL,
	kind          text    NOT NULL CHECK (kind IN ('prefix_blocked')),
	prefix        text COLLATE "C"    NOT NULL,
	sent          bigint  NOT NULL CHECK (sent >= 0),
	verified      bigint  NOT NULL CHECK (verified >= 0),
	window_sec    bigint  NOT NULL,
	created_at_ms bigint  NOT NULL,
	lifted_at_ms  bigint  NOT NULL,
	lifted_by     text    NOT NULL,
	PRIMARY KEY (tenant_id, id)
);
-- At most one active block per prefix; racing detectors insert it once.
CREATE UNIQUE INDEX guard_alerts_active ON guard_alerts (tenant_id, prefix)
	WHERE lifted_at_ms = 0;
CREATE INDEX guard_alerts_prefix ON guard_alerts (tenant_id, prefix, lifted_at_ms);
CREATE INDEX guard_alerts_open ON guard_alerts (lifted_at_ms);

CREATE TABLE test_numbers (
	tenant_id     text COLLATE "C"    NOT NULL REFERENCES tenants (id),
	id            text COLLATE "C"    NOT NULL,
	phone_hash    bytea   NOT NULL CHECK (octet_length(phone_hash) = 32),
	phone_masked  text    NOT NULL,
	sealed        bytea   NOT NULL, -- {"phone","code"}, sealed with the id as context
	created_at_ms bigint  NOT NULL,
	PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX test_numbers_phone ON test_numbers (tenant_id, phone_hash);
