/*
 * A schema migration: one versioned SQL file, compiled into the binary by
 * scripts/embed_migrations.cmake. Each driver has its own ordered table,
 * ended by an entry whose version is 0.
 */
#ifndef OG_MIGRATION_H
#define OG_MIGRATION_H

struct migration {
	int version;      /* from the file name's leading digits */
	const char *name; /* the file name, for logs */
	const char *sql;  /* the whole file */
};

#endif
