/*
 * Importing templates from a DLT portal's CSV export into a registry (a
 * tenant's or the platform's), for `otpgate dlt import` and
 * POST .../templates:import. Each good row is registered in its own
 * transaction, exactly as POST .../templates would register it (lint
 * included), replacing a template of the same name; a bad row is reported
 * with its line number and changes nothing, and the rows after it still
 * import.
 */
#ifndef OG_REGISTRY_IMPORT_H
#define OG_REGISTRY_IMPORT_H

#include "domain/audit.h"
#include "domain/domain.h"

/* What became of one record. */
struct registry_import_row {
	size_t line;    /* where the record starts in the file, from 1 (the header row) */
	bool ok;
	bool replaced;  /* ok, and a template of that name existed */
	char name[STORE_TEMPLATE_NAME_MAX];
	char dlt_template_id[STORE_DLT_ID_MAX];
	enum og_err err;      /* when !ok */
	struct og_detail det; /* when !ok: message, field, rule */
	int warning_count;
	struct store_dlt_warning warnings[STORE_DLT_WARNINGS_MAX];
};

struct registry_import_totals {
	size_t imported;
	size_t failed;
};

/** Called once per record, in file order; a non-OG_OK return stops the import. */
typedef enum og_err (*registry_import_fn)(void *arg, const struct registry_import_row *row);

/** Imports text (len bytes of CSV) into owner's registry ("" for the platform's). Returns
 *  OG_ERR_INVALID_REQUEST with det if the header row lacks a needed column, and a server
 *  error if the store fails (rows before it stay imported). */
enum og_err registry_import_csv(const struct domain *d, struct store_conn *c,
				const struct audit_actor *who, const char *owner, const char *text,
				size_t len, registry_import_fn fn, void *arg,
				struct registry_import_totals *totals, struct og_detail *det);

#endif
