/*
 * The database URL as shown in messages and logs: a libpq URL's password,
 * in the user information or as a parameter, never appears.
 */
#include "cli/config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static void shown(const char *db, const char *want)
{
	char out[CONFIG_VALUE_MAX];
	config_db_display(db, out);
	assert_string_equal(out, want);
}

static void test_db_display(void **state)
{
	(void)state;
	shown("./var/otpgate.db", "./var/otpgate.db");
	shown("postgres://otpgate:s3cret@db.internal:5432/otpgate",
	      "postgres://otpgate:***@db.internal:5432/otpgate");
	shown("postgresql://otpgate@127.0.0.1/otpgate", "postgresql://otpgate@127.0.0.1/otpgate");
	shown("postgres://u@h/db?sslmode=require&password=hunter2&x=1",
	      "postgres://u@h/db?sslmode=require&password=***&x=1");
	shown("postgres://h/db?PASSWORD=hunter2", "postgres://h/db?password=***");
	/* An '@' past the host is not user information. */
	shown("postgres://h/db?application_name=a:b@c", "postgres://h/db?application_name=a:b@c");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_db_display),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
