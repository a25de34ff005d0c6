/*
 * The fixture the domain's unit tests share: a fresh SQLite database in a
 * temporary directory, migrated, and a domain on it with a fixed secret and
 * the test's own clock, so the rules run on a real store with time in the
 * test's hands. Static inline, as tests/unit/store/store_fixture.h.
 */
#ifndef OG_DOMAIN_FIXTURE_H
#define OG_DOMAIN_FIXTURE_H

#include "base/secret.h"
#include "domain/domain.h"
#include "store/store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct domain_fixture {
	char dir[64];
	char path[128];
	struct secret secret;
	struct domain d;
	struct store *s;
	struct store_conn *c;
};

/* Opens a migrated database under /tmp/TAG_XXXXXX, with a secret derived
 * from KEY_BYTE and the domain's clock set to CLOCK. */
static inline void domain_fixture_open(struct domain_fixture *f, const char *tag,
				       unsigned char key_byte, int64_t (*clock)(void))
{
	unsigned char master[SECRET_KEY_LEN] = {key_byte};
	int applied = 0;

	memset(f, 0, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/%s_XXXXXX", tag);
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
	secret_derive(master, &f->secret);
	domain_init(&f->d, &f->secret);
	f->d.now_ms = clock;
	assert_int_equal(store_open(f->path, &f->s), OG_OK);
	assert_int_equal(store_conn_open(f->s, &f->c), OG_OK);
	assert_int_equal(store_migrate(f->c, &applied), OG_OK);
}

/* Closes the store and removes the directory. */
static inline void domain_fixture_close(struct domain_fixture *f)
{
	char cmd[160];

	store_conn_close(f->c);
	store_close(f->s);
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
}

#endif
