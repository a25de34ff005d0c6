-- Charged SMS per tenant, billing month and DLT route: the aggregate an
-- invoice reads, and what the monthly SMS cap checks on every send. Every
-- capture adds to it in the same transaction as usage_daily and
-- usage_daily_route, so the three always agree; an invoice for a month is
-- one range read of this table instead of a scan of a month of day rows.
CREATE TABLE usage_monthly (
	tenant_id  TEXT    NOT NULL REFERENCES tenants (id),
	month      TEXT    NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
	route      TEXT    NOT NULL CHECK (route IN ('own', 'shared')),
	sms_count  INTEGER NOT NULL CHECK (sms_count >= 0),
	cost_paise INTEGER NOT NULL CHECK (cost_paise >= 0),
	PRIMARY KEY (tenant_id, month, route)
) STRICT;
-- The invoice reads one month for every tenant. Counts change in place, so
-- the index gains an entry only on a tenant's first capture of a month.
CREATE INDEX usage_monthly_by_month ON usage_monthly (month, tenant_id);
INSERT INTO usage_monthly (tenant_id, month, route, sms_count, cost_paise)
	SELECT tenant_id, substr(day, 1, 7), route, SUM(sms_count), SUM(cost_paise)
	FROM usage_daily_route GROUP BY tenant_id, substr(day, 1, 7), route;
