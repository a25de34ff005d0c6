-- The audit trail: who changed what, when, and from where. Platform-level
-- actions (platform keys) have tenant_id ''. Rows are append-only: the
-- triggers refuse any UPDATE or DELETE, so a compromised API key cannot
-- erase its tracks through otpgate.
CREATE TABLE audit_log (
	tenant_id TEXT NOT NULL,
	id TEXT NOT NULL,
	actor_kind TEXT NOT NULL CHECK (actor_kind IN ('admin', 'send', 'tenant', 'cli')),
	actor_key_id TEXT NOT NULL,
	actor_ip TEXT NOT NULL,
	action TEXT NOT NULL,
	target_id TEXT NOT NULL,
	detail TEXT NOT NULL,
	created_at_ms INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, id)
) STRICT;

-- Listing every tenant's entries newest first pages by id alone.
CREATE INDEX audit_log_id ON audit_log (id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;
