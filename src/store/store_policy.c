/*
 * Tenant policies: a tenant's overrides of the deployment's abuse limits
 * (ABUSE-xx in docs/SECURITY.md), one nullable column per setting, NULL
 * meaning the deployment's value, and the allowed country list as "91,1".
 * Read inside a write transaction, a tenant's policy is locked (present or
 * not), so two changes to it on two nodes run one after the other.
 */
#include "store/store_int.h"

/* The policy columns, in the order of enum store_policy_setting. */
#define POLICY_SETTING_COLS                                                                    \
	"per_phone_count, per_phone_window_sec, per_prefix_count, per_prefix_window_sec,"      \
	" per_ip_count, per_ip_window_sec, tenant_rps, tenant_daily,"                          \
	" verify_failures_per_phone, verify_lock_sec, test_numbers_exempt,"                    \
	" daily_spend_cap_paise, pumping_window_sec, pumping_min_sends,"                       \
	" pumping_min_conversion_pct, pumping_grace_sec"
#define POLICY_COLS "tenant_id, " POLICY_SETTING_COLS ", allowed_countries, updated_at_ms"
_Static_assert(STORE_POLICY__COUNT == 16, "POLICY_SETTING_COLS names every setting");

#define POLICY_COUNTRIES_TEXT_MAX (STORE_COUNTRIES_MAX * STORE_COUNTRY_CODE_MAX)

static struct store_sql sql_get = {
	.text = "SELECT " POLICY_COLS " FROM tenant_policies WHERE tenant_id = ?1",
	.flags = STORE_SQL_LOCK};
static struct store_sql sql_put = {
	.text = "INSERT INTO tenant_policies (" POLICY_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
		" ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)"
		" ON CONFLICT (tenant_id) DO UPDATE SET"
		" per_phone_count = excluded.per_phone_count,"
		" per_phone_window_sec = excluded.per_phone_window_sec,"
		" per_prefix_count = excluded.per_prefix_count,"
		" per_prefix_window_sec = excluded.per_prefix_window_sec,"
		" per_ip_count = excluded.per_ip_count,"
		" per_ip_window_sec = excluded.per_ip_window_sec,"
		" tenant_rps = excluded.tenant_rps, tenant_daily = excluded.tenant_daily,"
		" verify_failures_per_phone = excluded.verify_failures_per_phone,"
		" verify_lock_sec = excluded.verify_lock_sec,"
		" test_numbers_exempt = excluded.test_numbers_exempt,"
		" daily_spend_cap_paise = excluded.daily_spend_cap_paise,"
		" pumping_window_sec = excluded.pumping_window_sec,"
		" pumping_min_sends = excluded.pumping_min_sends,"
		" pumping_min_conversion_pct = excluded.pumping_min_conversion_pct,"
		" pumping_grace_sec = excluded.pumping_grace_sec,"
		" allowed_countries = excluded.allowed_countries,"
		" updated_at_ms = excluded.updated_at_ms"};

/* Writes the country list as "91,1"; the codes are digits, so no escaping. */
static void policy_countries_text(const struct store_policy *p,
				  char out[POLICY_COUNTRIES_TEXT_MAX])
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < p->country_count && i < STORE_COUNTRIES_MAX; i++) {
		size_t len = strnlen(p->countries[i], STORE_COUNTRY_CODE_MAX - 1);
		assert(used + len + 2 <= POLICY_COUNTRIES_TEXT_MAX);
		if (used > 0)
			out[used++] = ',';
		memcpy(out + used, p->countries[i], len);
		used += len;
		out[used] = '\0';
	}
}

/* Reads "91,1" back; a malformed list fails the row rather than guess. */
static void policy_countries_read(struct store_row *r, struct store_policy *p)
{
	char text[POLICY_COUNTRIES_TEXT_MAX];
	const char *s = text;
	bool is_null = store_row_is_null(r);

	store_row_text(r, text);
	if (r->rc != OG_OK || is_null)
		return;
	p->countries_set = true;
	while (*s) {
		size_t len = strcspn(s, ",");
		if (len == 0 || len >= STORE_COUNTRY_CODE_MAX || p->country_count == STORE_COUNTRIES_MAX) {
			r->rc = OG_ERR_STORE;
			return;
		}
		memcpy(p->countries[p->country_count], s, len);
		p->countries[p->country_count][len] = '\0';
		p->country_count++;
		s += len;
		if (*s == ',')
			s++;
	}
}

static void policy_read(struct store_row *r, void *record)
{
	struct store_policy *p = record;

	memset(p, 0, sizeof *p);
	store_row_text(r, p->tenant_id);
	for (int i = 0; i < STORE_POLICY__COUNT; i++) {
		if (store_row_is_null(r)) {
			p->values[i] = STORE_POLICY_UNSET;
			store_row_skip(r);
		} else {
			p->values[i] = store_row_int64(r);
		}
	}
	policy_countries_read(r, p);
	p->updated_at_ms = store_row_int64(r);
}

enum og_err store_policy_get(struct store_conn *c, const char *tenant_id,
			     struct store_policy *out)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id && out);
	rc = store_lock(c, STORE_LOCK_POLICY, tenant_id, NULL, 0);
	if (rc == OG_OK)
		rc = store_prepare(c, &sql_get, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, tenant_id);
	return store_fetch(st, policy_read, out);
}

enum og_err store_policy_put(struct store_conn *c, const struct store_policy *p)
{
	char countries[POLICY_COUNTRIES_TEXT_MAX];
	struct store_stmt *st;
	enum og_err rc;

	assert(p);
	rc = store_prepare(c, &sql_put, &st);
	if (rc != OG_OK)
		return rc;
	policy_countries_text(p, countries);
	store_bind_field(st, 1, p->tenant_id);
	for (int i = 0; i < STORE_POLICY__COUNT; i++) {
		if (p->values[i] == STORE_POLICY_UNSET)
			store_bind_text(st, 2 + i, NULL);
		else
			store_bind_int64(st, 2 + i, p->values[i]);
	}
	store_bind_text(st, 2 + STORE_POLICY__COUNT, p->countries_set ? countries : NULL);
	store_bind_int64(st, 3 + STORE_POLICY__COUNT, p->updated_at_ms);
	return store_run(st, NULL);
}
