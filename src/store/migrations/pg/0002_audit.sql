-- otpgate schema, version 2 (PostgreSQL): the audit trail, as in
-- migrations/sqlite/0002_audit.sql. Platform-level actions (platform keys)
-- have tenant_id ''. Rows are append-only: the triggers refuse any UPDATE,
-- DELETE or TRUNCATE, so a compromised API key cannot erase its tracks
-- through otpgate.
CREATE TABLE audit_log (
	tenant_id     text COLLATE "C"    NOT NULL,
	id            text COLLATE "C"    NOT NULL,
	actor_kind    text    NOT NULL CHECK (actor_kind IN ('admin', 'send', 'tenant', 'cli')),
	actor_key_id  text    NOT NULL,
	actor_ip      text    NOT NULL,
	action        text    NOT NULL,
	target_id     text    NOT NULL,
	detail        text    NOT NULL,
	created_at_ms bigint  NOT NULL,
	PRIMARY KEY (tenant_id, id)
);

-- Listing every tenant's entries newest first pages by id alone.
CREATE INDEX audit_log_id ON audit_log (id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_log is append-only';
END;
$$;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
