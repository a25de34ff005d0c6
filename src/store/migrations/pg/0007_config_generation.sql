-- otpgate schema, version 7 (PostgreSQL): the configuration generation, as
-- in migrations/sqlite/0007_config_generation.sql. One statement-level
-- trigger per table bumps the counter in the writing transaction, so a node
-- that reads it at the start of a request sees every configuration change
-- any node committed before. The row is a reference table under Citus.
CREATE TABLE config_generation (
	id  bigint NOT NULL PRIMARY KEY CHECK (id = 1),
	gen bigint NOT NULL
);
INSERT INTO config_generation (id, gen) VALUES (1, 1);
CREATE FUNCTION config_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE config_generation SET gen = gen + 1 WHERE id = 1;
	RETURN NULL;
END $$;
CREATE TRIGGER tenants_gen AFTER INSERT OR UPDATE OR DELETE ON tenants
	FOR EACH STATEMENT EXECUTE FUNCTION config_generation_bump();
CREATE TRIGGER api_keys_gen AFTER INSERT OR UPDATE OR DELETE ON api_keys
	FOR EACH STATEMENT EXECUTE FUNCTION config_generation_bump();
CREATE TRIGGER templates_gen AFTER INSERT OR UPDATE OR DELETE ON templates
	FOR EACH STATEMENT EXECUTE FUNCTION config_generation_bump();
CREATE TRIGGER platform_templates_gen AFTER INSERT OR UPDATE OR DELETE ON platform_templates
	FOR EACH STATEMENT EXECUTE FUNCTION config_generation_bump();
CREATE TRIGGER tenant_policies_gen AFTER INSERT OR UPDATE OR DELETE ON tenant_policies
	FOR EACH STATEMENT EXECUTE FUNCTION config_generation_bump();
CREATE TRIGGER test_numbers_gen AFTER INSERT OR UPDATE OR DELETE ON test_numbers
	FOR EACH STATEMENT EXECUTE FUNCTION config_generation_bump();
CREATE TRIGGER dlt_headers_gen AFTER INSERT OR UPDATE OR DELETE ON dlt_headers
	FOR EACH STATEMENT EXECUTE FUNCTION config_generation_bump();
CREATE TRIGGER dlt_whitelist_gen AFTER INSERT OR UPDATE OR DELETE ON dlt_whitelist
	FOR EACH STATEMENT EXECUTE FUNCTION config_generation_bump();
CREATE TRIGGER platform_dlt_gen AFTER INSERT OR UPDATE OR DELETE ON platform_dlt
	FOR EACH STATEMENT EXECUTE FUNCTION config_generation_bump();
CREATE TRIGGER platform_headers_gen AFTER INSERT OR UPDATE OR DELETE ON platform_headers
	FOR EACH STATEMENT EXECUTE FUNCTION config_generation_bump();
CREATE TRIGGER platform_whitelist_gen AFTER INSERT OR UPDATE OR DELETE ON platform_whitelist
	FOR EACH STATEMENT EXECUTE FUNCTION config_generation_bump();
CREATE TRIGGER guard_alerts_gen AFTER INSERT OR UPDATE OR DELETE ON guard_alerts
	FOR EACH STATEMENT EXECUTE FUNCTION config_generation_bump();
