-- otpgate schema, version 7 (SQLite): the configuration generation.
--
-- Each process keeps what it reads of the configuration (keys, tenants,
-- templates, policies, test numbers, the DLT registry, pumping alerts) in
-- memory (src/domain/cache.c). Every write to those tables, by any process,
-- bumps this one counter in the same transaction, by trigger, so no writer
-- can forget it; a request reads the counter first and drops what was read
-- under an older one. A revoked key therefore stops at the next request.
CREATE TABLE config_generation (
	id  INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
	gen INTEGER NOT NULL
) STRICT;
INSERT INTO config_generation (id, gen) VALUES (1, 1);
CREATE TRIGGER tenants_gen_ins AFTER INSERT ON tenants
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER tenants_gen_upd AFTER UPDATE ON tenants
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER tenants_gen_del AFTER DELETE ON tenants
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER api_keys_gen_ins AFTER INSERT ON api_keys
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER api_keys_gen_upd AFTER UPDATE ON api_keys
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER api_keys_gen_del AFTER DELETE ON api_keys
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER templates_gen_ins AFTER INSERT ON templates
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER templates_gen_upd AFTER UPDATE ON templates
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER templates_gen_del AFTER DELETE ON templates
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER platform_templates_gen_ins AFTER INSERT ON platform_templates
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER platform_templates_gen_upd AFTER UPDATE ON platform_templates
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER platform_templates_gen_del AFTER DELETE ON platform_templates
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER tenant_policies_gen_ins AFTER INSERT ON tenant_policies
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER tenant_policies_gen_upd AFTER UPDATE ON tenant_policies
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER tenant_policies_gen_del AFTER DELETE ON tenant_policies
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER test_numbers_gen_ins AFTER INSERT ON test_numbers
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER test_numbers_gen_upd AFTER UPDATE ON test_numbers
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER test_numbers_gen_del AFTER DELETE ON test_numbers
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER dlt_headers_gen_ins AFTER INSERT ON dlt_headers
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER dlt_headers_gen_upd AFTER UPDATE ON dlt_headers
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER dlt_headers_gen_del AFTER DELETE ON dlt_headers
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER dlt_whitelist_gen_ins AFTER INSERT ON dlt_whitelist
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER dlt_whitelist_gen_upd AFTER UPDATE ON dlt_whitelist
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER dlt_whitelist_gen_del AFTER DELETE ON dlt_whitelist
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER platform_dlt_gen_ins AFTER INSERT ON platform_dlt
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER platform_dlt_gen_upd AFTER UPDATE ON platform_dlt
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER platform_dlt_gen_del AFTER DELETE ON platform_dlt
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER platform_headers_gen_ins AFTER INSERT ON platform_headers
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER platform_headers_gen_upd AFTER UPDATE ON platform_headers
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER platform_headers_gen_del AFTER DELETE ON platform_headers
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER platform_whitelist_gen_ins AFTER INSERT ON platform_whitelist
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER platform_whitelist_gen_upd AFTER UPDATE ON platform_whitelist
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER platform_whitelist_gen_del AFTER DELETE ON platform_whitelist
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER guard_alerts_gen_ins AFTER INSERT ON guard_alerts
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER guard_alerts_gen_upd AFTER UPDATE ON guard_alerts
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER guard_alerts_gen_del AFTER DELETE ON guard_alerts
	BEGIN UPDATE config_generation SET gen = gen + 1 WHERE id = 1; END;
