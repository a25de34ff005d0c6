-- otpgate schema, version 3 (SQLite): the DLT compliance engine (docs/DLT.md).
--
-- Each tenant's registry is tenant-owned (tenant_id first in every key):
-- its headers and whitelist here, its templates in the core's table with
-- their DLT fields added. The platform's own registry, which the shared
-- route sends through, is catalogue data in platform_* tables (reference
-- tables under Citus). Enumerations are text, as in 0001.

-- The route a tenant's sends take, and its own price per route (0: the
-- deployment's). Existing tenants get the default: own with a PE-ID.
ALTER TABLE tenants ADD COLUMN route TEXT NOT NULL DEFAULT 'own'
	CHECK (route IN ('own', 'shared'));
ALTER TABLE tenants ADD COLUMN price_own_paise INTEGER NOT NULL DEFAULT 0
	CHECK (price_own_paise >= 0);
ALTER TABLE tenants ADD COLUMN price_shared_paise INTEGER NOT NULL DEFAULT 0
	CHECK (price_shared_paise >= 0);
UPDATE tenants SET route = CASE WHEN pe_id = '' THEN 'shared' ELSE 'own' END;

-- A template's category, status, the headers it is mapped to (JSON array),
-- each variable's maximum length (JSON array; 0 or missing: the
-- deployment's) and the lint warnings it was registered with (JSON array
-- of {"rule","message"}). A core template maps to its tenant's header.
ALTER TABLE templates ADD COLUMN category TEXT NOT NULL DEFAULT 'service_implicit'
	CHECK (category IN ('service_implicit', 'transactional', 'service_explicit',
	                    'promotional', 'government'));
ALTER TABLE templates ADD COLUMN status TEXT NOT NULL DEFAULT 'active'
	CHECK (status IN ('active', 'inactive', 'blacklisted'));
ALTER TABLE templates ADD COLUMN headers TEXT NOT NULL DEFAULT '[]';
ALTER TABLE templates ADD COLUMN var_max_len TEXT NOT NULL DEFAULT '[]';
ALTER TABLE templates ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]';
UPDATE templates SET headers = (
	SELECT json_array(t.sender_header) FROM tenants t WHERE t.id = templates.tenant_id)
WHERE EXISTS (SELECT 1 FROM tenants t
              WHERE t.id = templates.tenant_id AND t.sender_header <> '');

-- Headers, registered under the PE-ID the owner had at the time (DLT-05).
CREATE TABLE dlt_headers (
	tenant_id     TEXT    NOT NULL REFERENCES tenants (id),
	header        TEXT    NOT NULL,
	category      TEXT    NOT NULL CHECK (category IN ('service_implicit', 'transactional',
	                                                   'service_explicit', 'promotional',
	                                                   'government')),
	status        TEXT    NOT NULL CHECK (status IN ('active', 'inactive')),
	pe_id         TEXT    NOT NULL,
	created_at_ms INTEGER NOT NULL,
	updated_at_ms INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, header)
) STRICT;
-- A core tenant's sender_header is its registered service implicit header.
INSERT INTO dlt_headers (tenant_id, header, category, status, pe_id, created_at_ms,
                         updated_at_ms)
	SELECT id, sender_header, 'service_implicit', 'active', pe_id, created_at_ms,
	       updated_at_ms
	FROM tenants WHERE sender_header <> '' AND pe_id <> '';

-- Whitelisted URLs and callback numbers (DLT-15, DLT-16, DLT-43, DLT-44).
CREATE TABLE dlt_whitelist (
	tenant_id     TEXT    NOT NULL REFERENCES tenants (id),
	value         TEXT    NOT NULL,
	kind          TEXT    NOT NULL CHECK (kind IN ('url', 'cbn')),
	created_at_ms INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, value)
) STRICT;

-- The platform's entity: one row, absent until first set.
CREATE TABLE platform_dlt (
	id            INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
	pe_id         TEXT    NOT NULL,
	sender_header TEXT    NOT NULL,
	updated_at_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE platform_headers (
	header        TEXT    NOT NULL PRIMARY KEY,
	category      TEXT    NOT NULL CHECK (category IN ('service_implicit', 'transactional',
	                                                   'service_explicit', 'promotional',
	                                                   'government')),
	status        TEXT    NOT NULL CHECK (status IN ('active', 'inactive')),
	pe_id         TEXT    NOT NULL,
	created_at_ms INTEGER NOT NULL,
	updated_at_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE platform_whitelist (
	value         TEXT    NOT NULL PRIMARY KEY,
	kind          TEXT    NOT NULL CHECK (kind IN ('url', 'cbn')),
	created_at_ms INTEGER NOT NULL
) STRICT;

-- The platform's templates, the same columns as a tenant's.
CREATE TABLE platform_templates (
	name            TEXT    NOT NULL PRIMARY KEY,
	dlt_template_id TEXT    NOT NULL,
	body            TEXT    NOT NULL,
	vars            TEXT    NOT NULL,
	is_default      INTEGER NOT NULL CHECK (is_default IN (0, 1)),
	created_at_ms   INTEGER NOT NULL,
	category        TEXT    NOT NULL CHECK (category IN ('service_implicit', 'transactional',
	                                                     'service_explicit', 'promotional',
	                                                     'government')),
	status          TEXT    NOT NULL CHECK (status IN ('active', 'inactive', 'blacklisted')),
	headers         TEXT    NOT NULL,
	var_max_len     TEXT    NOT NULL,
	warnings        TEXT    NOT NULL
) STRICT;
CREATE INDEX platform_templates_dlt ON platform_templates (dlt_template_id);
CREATE UNIQUE INDEX platform_templates_default ON platform_templates (is_default)
	WHERE is_default = 1;

-- The registry a message was checked against. Old messages took their
-- tenant's route as it is now.
ALTER TABLE messages ADD COLUMN route TEXT NOT NULL DEFAULT 'own'
	CHECK (route IN ('own', 'shared'));
UPDATE messages SET route = 'shared'
WHERE tenant_id IN (SELECT id FROM tenants WHERE route = 'shared');

-- Charged SMS per tenant, billing day and route, beside usage_daily (which
-- the seed's billing view and /v1/usage agree with, unchanged): every
-- capture adds to both in its transaction, so their sums always agree.
CREATE TABLE usage_daily_route (
	tenant_id  TEXT    NOT NULL REFERENCES tenants (id),
	day        TEXT    NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
	route      TEXT    NOT NULL CHECK (route IN ('own', 'shared')),
	sms_count  INTEGER NOT NULL CHECK (sms_count >= 0),
	cost_paise INTEGER NOT NULL CHECK (cost_paise >= 0),
	PRIMARY KEY (tenant_id, day, route)
) STRICT;
INSERT INTO usage_daily_route (tenant_id, day, route, sms_count, cost_paise)
	SELECT u.tenant_id, u.day, t.route, u.sms_count, u.cost_paise
	FROM usage_daily u JOIN tenants t ON t.id = u.tenant_id;
