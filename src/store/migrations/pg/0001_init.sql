-- otpgate schema, version 1 (PostgreSQL). The same tables, keys and rules
-- as migrations/sqlite/0001_init.sql, in PostgreSQL's types: text, bigint
-- for integers (money in paise, times in ms since the epoch, UTC) and
-- bytea for hashes and sealed blobs. Enumerations are text with CHECKs,
-- spelled as in the SQLite schema, so both drivers share one name table
-- per enum. Keys and every text that is ordered or compared by range are
-- COLLATE "C": bytewise, as SQLite compares text, so cursors, ORDER BY and
-- the billing query's text bounds give the same answers on both backends
-- whatever locale the database was created with.
--
-- Citus-ready (docs/SCALING.md): every tenant-owned table leads its
-- primary key and every unique index with tenant_id, and its foreign keys
-- point at tenants (a reference table) by tenant_id. tenants and api_keys
-- are the platform catalogue, keyed by id alone. Ids are random text made
-- by the caller; nothing relies on a sequence.

CREATE TABLE tenants (
	id                  text COLLATE "C"    NOT NULL PRIMARY KEY,
	name                text COLLATE "C"    NOT NULL,
	sender_header       text    NOT NULL,
	pe_id               text    NOT NULL,
	price_paise         bigint  NOT NULL CHECK (price_paise >= 0), -- 0: the deployment's
	billing_mode        text    NOT NULL CHECK (billing_mode IN ('prepaid', 'postpaid')),
	credit_limit_paise  bigint  NOT NULL CHECK (credit_limit_paise >= 0),
	monthly_cap_sms     bigint  NOT NULL CHECK (monthly_cap_sms >= 0), -- 0: no cap
	otp_length          bigint  NOT NULL,
	otp_ttl_sec         bigint  NOT NULL,
	otp_max_attempts    bigint  NOT NULL,
	upstream_provider   text    NOT NULL,                -- '': the deployment's
	upstream_url        text    NOT NULL,
	upstream_key_sealed bytea,                           -- NULL: no key of its own
	suspended           bigint  NOT NULL CHECK (suspended IN (0, 1)),
	created_at_ms       bigint  NOT NULL,
	updated_at_ms       bigint  NOT NULL
);

-- Platform keys (admin, send) have no tenant; a tenant key always has one.
CREATE TABLE api_keys (
	id            text COLLATE "C"    NOT NULL PRIMARY KEY,
	tenant_id     text COLLATE "C"    REFERENCES tenants (id),
	kind          text    NOT NULL CHECK (kind IN ('admin', 'send', 'tenant')),
	name          text COLLATE "C"    NOT NULL,
	prefix        text COLLATE "C"    NOT NULL,
	hash          bytea   NOT NULL CHECK (octet_length(hash) = 32),
	created_at_ms bigint  NOT NULL,
	revoked_at_ms bigint  NOT NULL, -- 0 while valid
	CHECK ((kind = 'tenant') = (tenant_id IS NOT NULL))
);
CREATE UNIQUE INDEX api_keys_hash ON api_keys (hash);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id, id);

CREATE TABLE templates (
	tenant_id       text COLLATE "C"    NOT NULL REFERENCES tenants (id),
	name            text COLLATE "C"    NOT NULL,
	dlt_template_id text COLLATE "C"    NOT NULL,
	body            text    NOT NULL,
	vars            text    NOT NULL, -- JSON array of the names filling each {#var#}
	is_default      bigint  NOT NULL CHECK (is_default IN (0, 1)),
	created_at_ms   bigint  NOT NULL,
	PRIMARY KEY (tenant_id, name)
);
CREATE INDEX templates_dlt ON templates (tenant_id, dlt_template_id);
-- At most one default template per tenant.
CREATE UNIQUE INDEX templates_default ON templates (tenant_id) WHERE is_default = 1;

-- A cache of the ledger, written in the same transaction as every entry.
-- balance_paise may be negative for a postpaid tenant.
CREATE TABLE wallets (
	tenant_id     text COLLATE "C"    NOT NULL PRIMARY KEY REFERENCES tenants (id),
	balance_paise bigint  NOT NULL,
	held_paise    bigint  NOT NULL CHECK (held_paise >= 0),
	held_count    bigint  NOT NULL CHECK (held_count >= 0),
	updated_at_ms bigint  NOT NULL
);

CREATE TABLE ledger_entries (
	tenant_id     text COLLATE "C"    NOT NULL REFERENCES tenants (id),
	id            text COLLATE "C"    NOT NULL,
	kind          text    NOT NULL CHECK (kind IN ('credit', 'hold', 'capture', 'release')),
	amount_paise  bigint  NOT NULL CHECK (amount_paise >= 0),
	message_id    text,   -- NULL for credits
	reference     text,   -- NULL except for credits
	created_at_ms bigint  NOT NULL,
	billed_local  text,   -- 'YYYY-MM-DD HH:MM:SS' in the billing offset; captures only
	PRIMARY KEY (tenant_id, id),
	CHECK (kind = 'credit' OR message_id IS NOT NULL),
	CHECK (kind = 'credit' OR reference IS NULL),
	-- A capture without its billing time would be missing from invoices.
	CHECK ((kind = 'capture') = (billed_local IS NOT NULL))
);
-- A top-up reference is credited at most once.
CREATE UNIQUE INDEX ledger_credit_reference ON ledger_entries (tenant_id, reference)
	WHERE kind = 'credit';
-- A message's hold is settled at most once, by a capture or by a release.
CREATE UNIQUE INDEX ledger_settled_message ON ledger_entries (tenant_id, message_id)
	WHERE kind IN ('capture', 'release');
-- Lets the billing query below find a month's charges without a scan.
CREATE INDEX ledger_capture_billed ON ledger_entries (billed_local) WHERE kind = 'capture';

-- The seed's billing query runs unchanged against this view: one row per
-- charged SMS, cost in rupees (numeric, two decimals, so sums are exact),
-- created_at as 'YYYY-MM-DD HH:MM:SS' text in the billing offset, which
-- compares with the query's text bounds exactly as in SQLite.
CREATE VIEW tenant_sms_ledger (id, tenant_id, message_id, cost, created_at) AS
	SELECT id, tenant_id, message_id, round(amount_paise / 100.0, 2), billed_local
	FROM ledger_entries
	WHERE kind = 'capture';

-- Charged SMS per tenant and billing day, updated by every capture, so usage
-- and invoices never scan the ledger.
CREATE TABLE usage_daily (
	tenant_id  text COLLATE "C"    NOT NULL REFERENCES tenants (id),
	day        text COLLATE "C"    NOT NULL CHECK (day ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
	sms_count  bigint  NOT NULL CHECK (sms_count >= 0),
	cost_paise bigint  NOT NULL CHECK (cost_paise >= 0),
	PRIMARY KEY (tenant_id, day)
);

CREATE TABLE otp_requests (
	tenant_id       text COLLATE "C"    NOT NULL REFERENCES tenants (id),
	id              text COLLATE "C"    NOT NULL,
	phone_hash      bytea   NOT NULL CHECK (octet_length(phone_hash) = 32),
	phone_masked    text    NOT NULL,
	template_name   text    NOT NULL,
	code_hash       bytea   NOT NULL CHECK (octet_length(code_hash) = 32),
	status          text    NOT NULL CHECK (status IN ('pending', 'approved', 'expired',
	                                                   'max_attempts_reached', 'canceled',
	                                                   'failed')),
	attempts        bigint  NOT NULL CHECK (attempts >= 0),
	max_attempts    bigint  NOT NULL CHECK (max_attempts >= 0),
	resend_count    bigint  NOT NULL CHECK (resend_count >= 0),
	context_sealed  bytea,  -- phone and variables for a resend; NULL once final
	expires_at_ms   bigint  NOT NULL,
	last_sent_at_ms bigint  NOT NULL,
	created_at_ms   bigint  NOT NULL,
	updated_at_ms   bigint  NOT NULL,
	PRIMARY KEY (tenant_id, id)
);
-- Verify by phone: the newest pending request is the last entry of its range.
CREATE INDEX otp_requests_phone ON otp_requests (tenant_id, phone_hash, status, id);
-- An admin reads a request by id alone.
CREATE INDEX otp_requests_id ON otp_requests (id);

-- A message is also its outbox entry.
CREATE TABLE messages (
	tenant_id           text COLLATE "C"    NOT NULL REFERENCES tenants (id),
	id                  text COLLATE "C"    NOT NULL,
	request_id          text COLLATE "C"    NOT NULL,
	phone_masked        text    NOT NULL,
	sender_header       text    NOT NULL,
	pe_id               text    NOT NULL,
	dlt_template_id     text COLLATE "C"    NOT NULL,
	status              text    NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
	provider            text    NOT NULL,
	provider_message_id text    NOT NULL,
	cost_paise          bigint  NOT NULL CHECK (cost_paise >= 0),
	error               text    NOT NULL,
	payload_sealed      bytea,  -- NULL once the message is final
	attempts            bigint  NOT NULL CHECK (attempts >= 0),
	next_attempt_at_ms  bigint  NOT NULL,
	lease_until_ms      bigint  NOT NULL,
	created_at_ms       bigint  NOT NULL,
	sent_at_ms          bigint  NOT NULL, -- 0 until sent
	updated_at_ms       bigint  NOT NULL,
	PRIMARY KEY (tenant_id, id)
);
-- The dispatchers' two questions: which queued rows are due, and which
-- claims have lapsed. Partial, so they hold only the open outbox.
CREATE INDEX messages_due ON messages (next_attempt_at_ms) WHERE status = 'queued';
CREATE INDEX messages_lease ON messages (lease_until_ms) WHERE status = 'sending';
CREATE INDEX messages_request ON messages (tenant_id, request_id, id);
-- For an admin who reads or lists messages without naming the tenant. Not
-- unique: uniqueness is per tenant, and ids are random enough not to clash.
CREATE INDEX messages_id ON messages (id);

-- No foreign key to tenants: a key is claimed before the request it guards
-- has looked its tenant up, and a claim for an unknown tenant must end in
-- that request's 404, not in a constraint error.
CREATE TABLE idempotency_keys (
	tenant_id       text COLLATE "C"    NOT NULL,
	idem_key        text COLLATE "C"    NOT NULL,
	request_hash    bytea   NOT NULL CHECK (octet_length(request_hash) = 32),
	state           text    NOT NULL CHECK (state IN ('in_flight', 'done')),
	response_status bigint  NOT NULL,
	response_body   text    NOT NULL,
	created_at_ms   bigint  NOT NULL,
	locked_until_ms bigint  NOT NULL,
	PRIMARY KEY (tenant_id, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at_ms);
