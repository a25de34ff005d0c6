-- otpgate schema, version 1 (SQLite).
--
-- Citus-ready: every tenant-owned table leads its primary key and every
-- unique index with tenant_id, so each can become a table distributed by
-- tenant_id without a key change. tenants and api_keys are the platform
-- catalogue (reference tables), keyed by id alone. Every id is a random
-- ULID-like text made by the caller; nothing relies on a global sequence.
--
-- Enumerations are stored as text so the file reads well in the sqlite3
-- shell; store_sqlite_*.c map them to the C enums, each in one table, and
-- the CHECKs below keep anything else out. Money is integer paise, times are
-- integer ms since the epoch (UTC). Hashes and sealed blobs are BLOBs.
-- Tables are STRICT so a value of the wrong type is refused, not coerced.

CREATE TABLE tenants (
	id                  TEXT    NOT NULL PRIMARY KEY,
	name                TEXT    NOT NULL,
	sender_header       TEXT    NOT NULL,
	pe_id               TEXT    NOT NULL,
	price_paise         INTEGER NOT NULL CHECK (price_paise >= 0), -- 0: the deployment's
	billing_mode        TEXT    NOT NULL CHECK (billing_mode IN ('prepaid', 'postpaid')),
	credit_limit_paise  INTEGER NOT NULL CHECK (credit_limit_paise >= 0),
	monthly_cap_sms     INTEGER NOT NULL CHECK (monthly_cap_sms >= 0), -- 0: no cap
	otp_length          INTEGER NOT NULL,
	otp_ttl_sec         INTEGER NOT NULL,
	otp_max_attempts    INTEGER NOT NULL,
	upstream_provider   TEXT    NOT NULL,                -- '': the deployment's
	upstream_url        TEXT    NOT NULL,
	upstream_key_sealed BLOB,                            -- NULL: no key of its own
	suspended           INTEGER NOT NULL CHECK (suspended IN (0, 1)),
	created_at_ms       INTEGER NOT NULL,
	updated_at_ms       INTEGER NOT NULL
) STRICT;

-- Platform keys (admin, send) have no tenant; a tenant key always has one.
CREATE TABLE api_keys (
	id            TEXT    NOT NULL PRIMARY KEY,
	tenant_id     TEXT    REFERENCES tenants (id),
	kind          TEXT    NOT NULL CHECK (kind IN ('admin', 'send', 'tenant')),
	name          TEXT    NOT NULL,
	prefix        TEXT    NOT NULL,
	hash          BLOB    NOT NULL CHECK (length(hash) = 32),
	created_at_ms INTEGER NOT NULL,
	revoked_at_ms INTEGER NOT NULL, -- 0 while valid
	CHECK ((kind = 'tenant') = (tenant_id IS NOT NULL))
) STRICT;
CREATE UNIQUE INDEX api_keys_hash ON api_keys (hash);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id, id);

CREATE TABLE templates (
	tenant_id       TEXT    NOT NULL REFERENCES tenants (id),
	name            TEXT    NOT NULL,
	dlt_template_id TEXT    NOT NULL,
	body            TEXT    NOT NULL,
	vars            TEXT    NOT NULL, -- JSON array of the names filling each {#var#}
	is_default      INTEGER NOT NULL CHECK (is_default IN (0, 1)),
	created_at_ms   INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, name)
) STRICT;
CREATE INDEX templates_dlt ON templates (tenant_id, dlt_template_id);
-- At most one default template per tenant.
CREATE UNIQUE INDEX templates_default ON templates (tenant_id) WHERE is_default = 1;

-- A cache of the ledger, written in the same transaction as every entry.
-- balance_paise may be negative for a postpaid tenant.
CREATE TABLE wallets (
	tenant_id     TEXT    NOT NULL PRIMARY KEY REFERENCES tenants (id),
	balance_paise INTEGER NOT NULL,
	held_paise    INTEGER NOT NULL CHECK (held_paise >= 0),
	held_count    INTEGER NOT NULL CHECK (held_count >= 0),
	updated_at_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE ledger_entries (
	tenant_id     TEXT    NOT NULL REFERENCES tenants (id),
	id            TEXT    NOT NULL,
	kind          TEXT    NOT NULL CHECK (kind IN ('credit', 'hold', 'capture', 'release')),
	amount_paise  INTEGER NOT NULL CHECK (amount_paise >= 0),
	message_id    TEXT,   -- NULL for credits
	reference     TEXT,   -- NULL except for credits
	created_at_ms INTEGER NOT NULL,
	billed_local  TEXT,   -- 'YYYY-MM-DD HH:MM:SS' in the billing offset; captures only
	PRIMARY KEY (tenant_id, id),
	CHECK (kind = 'credit' OR message_id IS NOT NULL),
	CHECK (kind = 'credit' OR reference IS NULL),
	-- A capture without its billing time would be missing from invoices.
	CHECK ((kind = 'capture') = (billed_local IS NOT NULL))
) STRICT;
-- A top-up reference is credited at most once.
CREATE UNIQUE INDEX ledger_credit_reference ON ledger_entries (tenant_id, reference)
	WHERE kind = 'credit';
-- A message's hold is settled at most once, by a capture or by a release.
CREATE UNIQUE INDEX ledger_settled_message ON ledger_entries (tenant_id, message_id)
	WHERE kind IN ('capture', 'release');
-- Lets the billing query below find a month's charges without a scan.
CREATE INDEX ledger_capture_billed ON ledger_entries (billed_local) WHERE kind = 'capture';

-- The seed's billing query runs unchanged against this view: one row per
-- charged SMS, cost in rupees, created_at in the billing offset.
CREATE VIEW tenant_sms_ledger (id, tenant_id, message_id, cost, created_at) AS
	SELECT id, tenant_id, message_id, amount_paise / 100.0, billed_local
	FROM ledger_entries
	WHERE kind = 'capture';

-- Charged SMS per tenant and billing day, updated by every capture, so usage
-- and invoices never scan the ledger.
CREATE TABLE usage_daily (
	tenant_id  TEXT    NOT NULL REFERENCES tenants (id),
	day        TEXT    NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
	sms_count  INTEGER NOT NULL CHECK (sms_count >= 0),
	cost_paise INTEGER NOT NULL CHECK (cost_paise >= 0),
	PRIMARY KEY (tenant_id, day)
) STRICT;

CREATE TABLE otp_requests (
	tenant_id       TEXT    NOT NULL REFERENCES tenants (id),
	id              TEXT    NOT NULL,
	phone_hash      BLOB    NOT NULL CHECK (length(phone_hash) = 32),
	phone_masked    TEXT    NOT NULL,
	template_name   TEXT    NOT NULL,
	code_hash       BLOB    NOT NULL CHECK (length(code_hash) = 32),
	status          TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'expired',
	                                                   'max_attempts_reached', 'canceled',
	                                                   'failed')),
	attempts        INTEGER NOT NULL CHECK (attempts >= 0),
	max_attempts    INTEGER NOT NULL CHECK (max_attempts >= 0),
	resend_count    INTEGER NOT NULL CHECK (resend_count >= 0),
	context_sealed  BLOB,   -- phone and variables for a resend; NULL once final
	expires_at_ms   INTEGER NOT NULL,
	last_sent_at_ms INTEGER NOT NULL,
	created_at_ms   INTEGER NOT NULL,
	updated_at_ms   INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, id)
) STRICT;
-- Verify by phone: the newest pending request is the last entry of its range.
CREATE INDEX otp_requests_phone ON otp_requests (tenant_id, phone_hash, status, id);
-- An admin reads a request by id alone.
CREATE INDEX otp_requests_id ON otp_requests (id);

-- A message is also its outbox entry.
CREATE TABLE messages (
	tenant_id           TEXT    NOT NULL REFERENCES tenants (id),
	id                  TEXT    NOT NULL,
	request_id          TEXT    NOT NULL,
	phone_masked        TEXT    NOT NULL,
	sender_header       TEXT    NOT NULL,
	pe_id               TEXT    NOT NULL,
	dlt_template_id     TEXT    NOT NULL,
	status              TEXT    NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
	provider            TEXT    NOT NULL,
	provider_message_id TEXT    NOT NULL,
	cost_paise          INTEGER NOT NULL CHECK (cost_paise >= 0),
	error               TEXT    NOT NULL,
	payload_sealed      BLOB,   -- NULL once the message is final
	attempts            INTEGER NOT NULL CHECK (attempts >= 0),
	next_attempt_at_ms  INTEGER NOT NULL,
	lease_until_ms      INTEGER NOT NULL,
	created_at_ms       INTEGER NOT NULL,
	sent_at_ms          INTEGER NOT NULL, -- 0 until sent
	updated_at_ms       INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, id)
) STRICT;
-- The dispatcher's two questions: which queued rows are due, and which
-- claims have lapsed.
CREATE INDEX messages_due ON messages (status, next_attempt_at_ms);
CREATE INDEX messages_lease ON messages (status, lease_until_ms);
CREATE INDEX messages_request ON messages (tenant_id, request_id, id);
-- For an admin who reads or lists messages without naming the tenant. Not
-- unique: uniqueness is per tenant, and ids are random enough not to clash.
CREATE INDEX messages_id ON messages (id);

-- No foreign key to tenants: a key is claimed before the request it guards
-- has looked its tenant up, and a claim for an unknown tenant must end in
-- that request's 404, not in a constraint error.
CREATE TABLE idempotency_keys (
	tenant_id       TEXT    NOT NULL,
	idem_key        TEXT    NOT NULL,
	request_hash    BLOB    NOT NULL CHECK (length(request_hash) = 32),
	state           TEXT    NOT NULL CHECK (state IN ('in_flight', 'done')),
	response_status INTEGER NOT NULL,
	response_body   TEXT    NOT NULL,
	created_at_ms   INTEGER NOT NULL,
	locked_until_ms INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, idem_key)
) STRICT;
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at_ms);
