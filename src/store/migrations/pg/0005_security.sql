-- otpgate schema, version 5 (PostgreSQL): security hardening
-- (docs/SECURITY.md), as in migrations/sqlite/0005_security.sql.

-- SEC-11: a key past expires_at_ms is refused (401); 0 means it never expires.
ALTER TABLE api_keys ADD COLUMN expires_at_ms bigint NOT NULL DEFAULT 0
	CHECK (expires_at_ms >= 0);
-- SEC-12: comma-separated canonical CIDRs the key may be used from; '' for any.
ALTER TABLE api_keys ADD COLUMN allowed_ips text NOT NULL DEFAULT '';
-- SEC-05: the fingerprint of the secret under which `hash` was computed.
ALTER TABLE api_keys ADD COLUMN secret_id text NOT NULL DEFAULT '';

-- SEC-24: how long a tenant's OTP requests and message details are kept.
CREATE TABLE tenant_retention (
	tenant_id      text COLLATE "C"    NOT NULL PRIMARY KEY REFERENCES tenants (id),
	retention_days bigint  NOT NULL CHECK (retention_days BETWEEN 1 AND 3650),
	updated_at_ms  bigint  NOT NULL
);

-- SEC-04: the fingerprint of the secret this database's hashes and seals
-- were made with (one row).
CREATE TABLE secret_state (
	id                   bigint  NOT NULL PRIMARY KEY CHECK (id = 1),
	fingerprint          text    NOT NULL,
	previous_fingerprint text    NOT NULL, -- '' before the first rotation
	rotated_at_ms        bigint  NOT NULL  -- 0 before the first rotation
);

-- SEC-25: the purge walks each tenant's rows by age, and wipes the sealed
-- contexts of requests whose code has expired.
CREATE INDEX otp_requests_created ON otp_requests (tenant_id, created_at_ms);
CREATE INDEX otp_requests_open_context ON otp_requests (expires_at_ms)
	WHERE context_sealed IS NOT NULL;
CREATE INDEX messages_unscrubbed ON messages (tenant_id, created_at_ms)
	WHERE phone_masked <> '';
