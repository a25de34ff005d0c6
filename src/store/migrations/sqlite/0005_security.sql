-- Security hardening (docs/SECURITY.md): API key expiry and source-IP
-- allow-lists, which secret each key's hash was made under, per-tenant
-- retention of personal data, the deployment secret's fingerprint, and the
-- indexes the purge job walks.

-- SEC-11: a key past expires_at_ms is refused (401); 0 means it never expires.
ALTER TABLE api_keys ADD COLUMN expires_at_ms INTEGER NOT NULL DEFAULT 0
	CHECK (expires_at_ms >= 0);
-- SEC-12: comma-separated canonical CIDRs the key may be used from; '' for any.
ALTER TABLE api_keys ADD COLUMN allowed_ips TEXT NOT NULL DEFAULT '';
-- SEC-05: the fingerprint of the secret under which `hash` was computed; ''
-- for keys made before this column existed (the secret of that time).
ALTER TABLE api_keys ADD COLUMN secret_id TEXT NOT NULL DEFAULT '';

-- SEC-24: how long a tenant's OTP requests and message details are kept.
-- A tenant without a row gets the deployment's default (365 days). Kept out
-- of the tenants table, which the DLT engine owns.
CREATE TABLE tenant_retention (
	tenant_id      TEXT    NOT NULL PRIMARY KEY REFERENCES tenants (id),
	retention_days INTEGER NOT NULL CHECK (retention_days BETWEEN 1 AND 3650),
	updated_at_ms  INTEGER NOT NULL
) STRICT;

-- SEC-04: the fingerprint of the secret this database's hashes and seals
-- were made with (one row), so a server started with another deployment's
-- secret file refuses to start instead of answering 401 to every key.
CREATE TABLE secret_state (
	id                   INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
	fingerprint          TEXT    NOT NULL,
	previous_fingerprint TEXT    NOT NULL, -- '' before the first rotation
	rotated_at_ms        INTEGER NOT NULL  -- 0 before the first rotation
) STRICT;

-- SEC-25: the purge walks each tenant's rows by age, and wipes the sealed
-- contexts of requests whose code has expired. A scrubbed message has an
-- empty phone_masked and leaves the partial index, so each run reads only
-- what is still to do, however many years of scrubbed rows there are.
CREATE INDEX otp_requests_created ON otp_requests (tenant_id, created_at_ms);
CREATE INDEX otp_requests_open_context ON otp_requests (expires_at_ms)
	WHERE context_sealed IS NOT NULL;
CREATE INDEX messages_unscrubbed ON messages (tenant_id, created_at_ms)
	WHERE phone_masked <> '';
