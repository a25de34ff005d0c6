-- otpgate schema, version 3 (PostgreSQL): the DLT compliance engine
-- (docs/DLT.md), as in migrations/sqlite/0003_dlt.sql.
--
-- Each tenant's registry is tenant-owned (tenant_id first in every key):
-- its headers and whitelist here, its templates in the core's table with
-- their DLT fields added. The platform's own registry, which the shared
-- route sends through, is catalogue data in platform_* tables (reference
-- tables under Citus).

ALTER TABLE tenants ADD COLUMN route text NOT NULL DEFAULT 'own'
	CHECK (route IN ('own', 'shared'));
ALTER TABLE tenants ADD COLUMN price_own_paise bigint NOT NULL DEFAULT 0
	CHECK (price_own_paise >= 0);
ALTER TABLE tenants ADD COLUMN price_shared_paise bigint NOT NULL DEFAULT 0
	CHECK (price_shared_paise >= 0);
UPDATE tenants SET route = CASE WHEN pe_id = '' THEN 'shared' ELSE 'own' END;

ALTER TABLE templates ADD COLUMN category text NOT NULL DEFAULT 'service_implicit'
	CHECK (category IN ('service_implicit', 'transactional', 'service_explicit',
	                    'promotional', 'government'));
ALTER TABLE templates ADD COLUMN status text NOT NULL DEFAULT 'active'
	CHECK (status IN ('active', 'inactive', 'blacklisted'));
ALTER TABLE templates ADD COLUMN headers text NOT NULL DEFAULT '[]';
ALTER TABLE templates ADD COLUMN var_max_len text NOT NULL DEFAULT '[]';
ALTER TABLE templates ADD COLUMN warnings text NOT NULL DEFAULT '[]';
UPDATE templates SET headers = json_build_array(t.sender_header)::text
FROM tenants t WHERE t.id = templates.tenant_id AND t.sender_header <> '';

-- Headers, registered under the PE-ID the owner had at the time (DLT-05).
CREATE TABLE dlt_headers (
	tenant_id     text COLLATE "C"    NOT NULL REFERENCES tenants (id),
	header        text COLLATE "C"    NOT NULL,
	category      text    NOT NULL CHECK (category IN ('service_implicit', 'transactional',
	                                                   'service_explicit', 'promotional',
	                                                   'government')),
	status        text    NOT NULL CHECK (status IN ('active', 'inactive')),
	pe_id         text    NOT NULL,
	created_at_ms bigint  NOT NULL,
	updated_at_ms bigint  NOT NULL,
	PRIMARY KEY (tenant_id, header)
);
INSERT INTO dlt_headers (tenant_id, header, category, status, pe_id, created_at_ms,
                         updated_at_ms)
	SELECT id, sender_header, 'service_implicit', 'active', pe_id, created_at_ms,
	       updated_at_ms
	FROM tenants WHERE sender_header <> '' AND pe_id <> '';

-- Whitelisted URLs and callback numbers (DLT-15, DLT-16, DLT-43, DLT-44).
CREATE TABLE dlt_whitelist (
	tenant_id     text COLLATE "C"    NOT NULL REFERENCES tenants (id),
	value         text COLLATE "C"    NOT NULL,
	kind          text    NOT NULL CHECK (kind IN ('url', 'cbn')),
	created_at_ms bigint  NOT NULL,
	PRIMARY KEY (tenant_id, value)
);

-- The platform's entity: one row, absent until first set.
CREATE TABLE platform_dlt (
	id            bigint  NOT NULL PRIMARY KEY CHECK (id = 1),
	pe_id         text    NOT NULL,
	sender_header text    NOT NULL,
	updated_at_ms bigint  NOT NULL
);

CREATE TABLE platform_headers (
	header        text COLLATE "C"    NOT NULL PRIMARY KEY,
	category      text    NOT NULL CHECK (category IN ('service_implicit', 'transactional',
	                                                   'service_explicit', 'promotional',
	                                                   'government')),
	status        text    NOT NULL CHECK (status IN ('active', 'inactive')),
	pe_id         text    NOT NULL,
	created_at_ms bigint  NOT NULL,
	updated_at_ms bigint  NOT NULL
);

CREATE TABLE platform_whitelist (
	value         text COLLATE "C"    NOT NULL PRIMARY KEY,
	kind          text    NOT NULL CHECK (kind IN ('url', 'cbn')),
	created_at_ms bigint  NOT NULL
);

-- The platform's templates, the same columns as a tenant's.
CREATE TABLE platform_templates (
	name            text COLLATE "C"    NOT NULL PRIMARY KEY,
	dlt_template_id text COLLATE "C"    NOT NULL,
	body            text    NOT NULL,
	vars            text    NOT NULL,
	is_default      bigint  NOT NULL CHECK (is_default IN (0, 1)),
	created_at_ms   bigint  NOT NULL,
	category        text    NOT NULL CHECK (category IN ('service_implicit', 'transactional',
	                                                     'service_explicit', 'promotional',
	                                                     'government')),
	status          text    NOT NULL CHECK (status IN ('active', 'inactive', 'blacklisted')),
	headers         text    NOT NULL,
	var_max_len     text    NOT NULL,
	warnings        text    NOT NULL
);
CREATE INDEX platform_templates_dlt ON platform_templates (dlt_template_id);
CREATE UNIQUE INDEX platform_templates_default ON platform_templates (is_default)
	WHERE is_default = 1;

ALTER TABLE messages ADD COLUMN route text NOT NULL DEFAULT 'own'
	CHECK (route IN ('own', 'shared'));
UPDATE messages SET route = 'shared'
WHERE tenant_id IN (SELECT id FROM tenants WHERE route = 'shared');

-- Charged SMS per tenant, billing day and route, beside usage_daily: every
-- capture adds to both in its transaction, so their sums always agree.
CREATE TABLE usage_daily_route (
	tenant_id  text COLLATE "C"    NOT NULL REFERENCES tenants (id),
	day        text COLLATE "C"    NOT NULL CHECK (day ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
	route      text    NOT NULL CHECK (route IN ('own', 'shared')),
	sms_count  bigint  NOT NULL CHECK (sms_count >= 0),
	cost_paise bigint  NOT NULL CHECK (cost_paise >= 0),
	PRIMARY KEY (tenant_id, day, route)
);
INSERT INTO usage_daily_route (tenant_id, day, route, sms_count, cost_paise)
	SELECT u.tenant_id, u.day, t.route, u.sms_count, u.cost_paise
	FROM usage_daily u JOIN tenants t ON t.id = u.tenant_id;
