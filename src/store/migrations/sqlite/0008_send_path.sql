-- otpgate schema, version 8 (SQLite): the tables a send writes, rebuilt.
--
-- 1. SQLite evaluates CHECK (x IN ('a', 'b')) by building a temporary
--    table for the list on every row written, about a page of work each;
--    a send and its delivery wrote seven such rows' worth. The same checks
--    are now written as comparisons joined by OR, which cost nothing. SQLite
--    cannot change a CHECK in place, so each table is rebuilt: created anew,
--    filled, the old one dropped and the new one renamed, its indexes and
--    the billing view made again (the procedure SQLite's documentation gives
--    for schema changes ALTER TABLE cannot make).
-- 2. A message carries the keyed hashes its send was counted under (phone,
--    prefix, client address), so the rate-limit windows and the pumping
--    detector are derived from the messages themselves: a send writes three
--    rows (request, message, hold) and no separate send log. NULL for a test
--    send, which no limit counts.
DROP VIEW tenant_sms_ledger;

CREATE TABLE ledger_entries_v8 (
	tenant_id     TEXT    NOT NULL REFERENCES tenants (id),
	id            TEXT    NOT NULL,
	kind          TEXT    NOT NULL CHECK (kind = 'credit' OR kind = 'hold' OR kind = 'capture'
	                                      OR kind = 'release'),
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
INSERT INTO ledger_entries_v8 (tenant_id, id, kind, amount_paise, message_id, reference,
                               created_at_ms, billed_local)
	SELECT tenant_id, id, kind, amount_paise, message_id, reference, created_at_ms,
	       billed_local FROM ledger_entries;
DROP TABLE ledger_entries;
ALTER TABLE ledger_entries_v8 RENAME TO ledger_entries;
-- A top-up reference is credited at most once.
CREATE UNIQUE INDEX ledger_credit_reference ON ledger_entries (tenant_id, reference)
	WHERE kind = 'credit';
-- A message's hold is settled at most once, by a capture or by a release.
CREATE UNIQUE INDEX ledger_settled_message ON ledger_entries (tenant_id, message_id)
	WHERE kind = 'capture' OR kind = 'release';
-- Lets the billing query below find a month's charges without a scan.
CREATE INDEX ledger_capture_billed ON ledger_entries (billed_local) WHERE kind = 'capture';

-- The seed's billing query runs unchanged against this view: one row per
-- charged SMS, cost in rupees, created_at in the billing offset.
CREATE VIEW tenant_sms_ledger (id, tenant_id, message_id, cost, created_at) AS
	SELECT id, tenant_id, message_id, amount_paise / 100.0, billed_local
	FROM ledger_entries
	WHERE kind = 'capture';

CREATE TABLE otp_requests_v8 (
	tenant_id       TEXT    NOT NULL REFERENCES tenants (id),
	id              TEXT    NOT NULL,
	phone_hash      BLOB    NOT NULL CHECK (length(phone_hash) = 32),
	phone_masked    TEXT    NOT NULL,
	template_name   TEXT    NOT NULL,
	code_hash       BLOB    NOT NULL CHECK (length(code_hash) = 32),
	status          TEXT    NOT NULL CHECK (status = 'pending' OR status = 'approved'
	                                        OR status = 'expired'
	                                        OR status = 'max_attempts_reached'
	                                        OR status = 'canceled' OR status = 'failed'),
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
INSERT INTO otp_requests_v8 (tenant_id, id, phone_hash, phone_masked, template_name, code_hash,
                             status, attempts, max_attempts, resend_count, context_sealed,
                             expires_at_ms, last_sent_at_ms, created_at_ms, updated_at_ms)
	SELECT tenant_id, id, phone_hash, phone_masked, template_name, code_hash, status,
	       attempts, max_attempts, resend_count, context_sealed, expires_at_ms,
	       last_sent_at_ms, created_at_ms, updated_at_ms FROM otp_requests;
DROP TABLE otp_requests;
ALTER TABLE otp_requests_v8 RENAME TO otp_requests;
-- Verify by phone: the newest pending request is the last entry of its range.
CREATE INDEX otp_requests_phone ON otp_requests (tenant_id, phone_hash, status, id);
-- An admin reads a request by id alone.
CREATE INDEX otp_requests_id ON otp_requests (id);
-- SEC-25 (as in 0005): the purge walks each tenant's rows by age, and wipes
-- the contexts of requests whose code has expired.
CREATE INDEX otp_requests_created ON otp_requests (tenant_id, created_at_ms);
CREATE INDEX otp_requests_open_context ON otp_requests (expires_at_ms)
	WHERE context_sealed IS NOT NULL;

CREATE TABLE messages_v8 (
	tenant_id           TEXT    NOT NULL REFERENCES tenants (id),
	id                  TEXT    NOT NULL,
	request_id          TEXT    NOT NULL,
	phone_masked        TEXT    NOT NULL,
	sender_header       TEXT    NOT NULL,
	pe_id               TEXT    NOT NULL,
	dlt_template_id     TEXT    NOT NULL,
	status              TEXT    NOT NULL CHECK (status = 'queued' OR status = 'sending'
	                                            OR status = 'sent' OR status = 'failed'),
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
	route               TEXT    NOT NULL CHECK (route = 'own' OR route = 'shared'),
	-- What the send was counted under (src/domain/ratelimit.c); NULL for a
	-- test send and, for the address, a send that named none.
	phone_hash          BLOB    CHECK (phone_hash IS NULL OR length(phone_hash) = 32),
	prefix_hash         BLOB    CHECK (prefix_hash IS NULL OR length(prefix_hash) = 32),
	ip_hash             BLOB    CHECK (ip_hash IS NULL OR length(ip_hash) = 32),
	PRIMARY KEY (tenant_id, id)
) STRICT;
INSERT INTO messages_v8 (tenant_id, id, request_id, phone_masked, sender_header, pe_id,
                         dlt_template_id, status, provider, provider_message_id, cost_paise,
                         error, payload_sealed, attempts, next_attempt_at_ms, lease_until_ms,
                         created_at_ms, sent_at_ms, updated_at_ms, route)
	SELECT tenant_id, id, request_id, phone_masked, sender_header, pe_id, dlt_template_id,
	       status, provider, provider_message_id, cost_paise, error, payload_sealed, attempts,
	       next_attempt_at_ms, lease_until_ms, created_at_ms, sent_at_ms, updated_at_ms, route
	FROM messages;
DROP TABLE messages;
ALTER TABLE messages_v8 RENAME TO messages;
-- The dispatcher's two questions: which queued rows are due, and which
-- claims have lapsed.
CREATE INDEX messages_due ON messages (status, next_attempt_at_ms);
CREATE INDEX messages_lease ON messages (status, lease_until_ms);
CREATE INDEX messages_request ON messages (tenant_id, request_id, id);
-- For an admin who reads or lists messages without naming the tenant, and
-- for the windows rebuilt at start from the newest messages.
CREATE INDEX messages_id ON messages (id);
CREATE INDEX messages_unscrubbed ON messages (tenant_id, created_at_ms)
	WHERE phone_masked <> '';

CREATE TABLE idempotency_keys_v8 (
	tenant_id       TEXT    NOT NULL,
	idem_key        TEXT    NOT NULL,
	request_hash    BLOB    NOT NULL CHECK (length(request_hash) = 32),
	state           TEXT    NOT NULL CHECK (state = 'in_flight' OR state = 'done'),
	response_status INTEGER NOT NULL,
	response_body   TEXT    NOT NULL,
	created_at_ms   INTEGER NOT NULL,
	locked_until_ms INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, idem_key)
) STRICT;
INSERT INTO idempotency_keys_v8 SELECT tenant_id, idem_key, request_hash, state,
	response_status, response_body, created_at_ms, locked_until_ms FROM idempotency_keys;
DROP TABLE idempotency_keys;
ALTER TABLE idempotency_keys_v8 RENAME TO idempotency_keys;
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at_ms);

CREATE TABLE usage_daily_route_v8 (
	tenant_id  TEXT    NOT NULL REFERENCES tenants (id),
	day        TEXT    NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
	route      TEXT    NOT NULL CHECK (route = 'own' OR route = 'shared'),
	sms_count  INTEGER NOT NULL CHECK (sms_count >= 0),
	cost_paise INTEGER NOT NULL CHECK (cost_paise >= 0),
	PRIMARY KEY (tenant_id, day, route)
) STRICT;
INSERT INTO usage_daily_route_v8 SELECT tenant_id, day, route, sms_count, cost_paise
	FROM usage_daily_route;
DROP TABLE usage_daily_route;
ALTER TABLE usage_daily_route_v8 RENAME TO usage_daily_route;

CREATE TABLE usage_monthly_v8 (
	tenant_id  TEXT    NOT NULL REFERENCES tenants (id),
	month      TEXT    NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
	route      TEXT    NOT NULL CHECK (route = 'own' OR route = 'shared'),
	sms_count  INTEGER NOT NULL CHECK (sms_count >= 0),
	cost_paise INTEGER NOT NULL CHECK (cost_paise >= 0),
	PRIMARY KEY (tenant_id, month, route)
) STRICT;
INSERT INTO usage_monthly_v8 SELECT tenant_id, month, route, sms_count, cost_paise
	FROM usage_monthly;
DROP TABLE usage_monthly;
ALTER TABLE usage_monthly_v8 RENAME TO usage_monthly;
CREATE INDEX usage_monthly_by_month ON usage_monthly (month, tenant_id);
