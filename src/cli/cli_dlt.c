/*
 * `otpgate dlt`: the DLT registry from the command line.
 *
 *   otpgate dlt import (--tenant ID | --platform) FILE.csv [--db ..] [--secret-file ..]
 *   otpgate dlt rules
 *
 * import registers the templates of a DLT portal's CSV export exactly as
 * POST .../templates:import does (each good row in its own transaction,
 * audited as the CLI) and prints one line per row: what was imported, or
 * the line number and rule of a row that was not. It exits 0 when every
 * row imported, 1 when any failed (the good ones are still imported), 2
 * on a usage error. rules prints the rule table that docs/DLT.md explains.
 */
#include "cli/cli.h"

#include "domain/dlt.h"
#include "domain/dlt_csv.h"
#include "domain/registry.h"
#include "domain/registry_import.h"
#include "domain/tenant.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLI_DLT_ARGS_MAX 16 /* the options passed on to config_load */

static void cli_dlt_usage(void)
{
	fprintf(stderr, "usage: otpgate dlt import (--tenant ID | --platform) FILE.csv "
			"[--db PATH] [--secret-file PATH]\n"
			"       otpgate dlt rules\n");
}

static int cli_dlt_rules(void)
{
	static const char *const kinds[] = {
		[DLT_KIND_SCRUB] = "scrub",   [DLT_KIND_ERROR] = "error", [DLT_KIND_WARNING] = "warning",
		[DLT_KIND_FORMAT] = "format", [DLT_KIND_ROUTE] = "route",
	};
	const struct dlt_rule *r;

	for (size_t i = 0; (r = dlt_rules_at(i)) != NULL; i++)
		printf("%s\t%s\t%s\t%s\n", r->id, kinds[r->kind], r->dlt_code ? r->dlt_code : "-",
		       r->check);
	return 0;
}

/* Reads the whole file (at most DLT_CSV_TEXT_MAX bytes) into a malloc'd buffer. */
static char *cli_dlt_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0;

	if (!f) {
		fprintf(stderr, "otpgate: cannot open %s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf = malloc(DLT_CSV_TEXT_MAX + 1);
	if (buf)
		n = fread(buf, 1, DLT_CSV_TEXT_MAX + 1, f);
	if (!buf || ferror(f)) {
		fprintf(stderr, "otpgate: cannot read %s\n", path);
		goto fail;
	}
	if (n > DLT_CSV_TEXT_MAX) {
		fprintf(stderr, "otpgate: %s is larger than %d bytes; split it\n", path,
			DLT_CSV_TEXT_MAX);
		goto fail;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
}

static enum og_err cli_dlt_report(void *arg, const struct registry_import_row *r)
{
	(void)arg;
	if (r->ok) {
		printf("line %zu: %s %s (template %s)\n", r->line,
		       r->replaced ? "replaced" : "imported", r->name, r->dlt_template_id);
		for (int i = 0; i < r->warning_count; i++)
			printf("line %zu: warning %s: %s\n", r->line, r->warnings[i].rule,
			       r->warnings[i].message);
	} else {
		/* e.g. "line 3: failed: template_rejected DLT-23 body: variables 1 and 2 ..." */
		printf("line %zu: failed: %s%s%s%s%s: %s\n", r->line, og_err_code(r->err),
		       r->det.rule ? " " : "", r->det.rule ? r->det.rule : "",
		       r->det.field ? " " : "", r->det.field ? r->det.field : "",
		       r->det.message[0] ? r->det.message : og_err_strerror(r->err));
	}
	return OG_OK;
}

static int cli_dlt_import(int argc, char **argv)
{
	const char *tenant = NULL, *file = NULL;
	char *rest[CLI_DLT_ARGS_MAX];
	int nrest = 0, status = 1;
	bool platform = false;
	struct registry_import_totals totals;
	struct og_detail det;
	struct store_tenant t;
	struct config cfg;
	struct cli_store cs;
	struct domain d;
	char *text = NULL;
	size_t len = 0;
	enum og_err rc;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--tenant") == 0 && i + 1 < argc) {
			tenant = argv[++i];
		} else if (strncmp(argv[i], "--tenant=", 9) == 0) {
			tenant = argv[i] + 9;
		} else if (strcmp(argv[i], "--platform") == 0) {
			platform = true;
		} else if (argv[i][0] != '-' && !file) {
			file = argv[i];
		} else if (nrest + 2 <= CLI_DLT_ARGS_MAX) {
			/* --db and the like, with their value, go to config_load. */
			rest[nrest++] = argv[i];
			if (!strchr(argv[i], '=') && i + 1 < argc)
				rest[nrest++] = argv[++i];
		} else {
			cli_dlt_usage();
			return 2;
		}
	}
	if (!file || (!tenant == !platform)) {
		cli_dlt_usage();
		return 2;
	}
	if (config_load(&cfg, CONFIG_STORE | CONFIG_DLT, nrest, rest) != OG_OK)
		return 2;
	text = cli_dlt_read(file, &len);
	if (!text)
		return 1;
	if (cli_store_open(&cfg, &cs) != OG_OK)
		goto done;
	domain_init(&d, &cs.secret);
	d.cfg.dlt_var_max_len = cfg.dlt_var_max_len;
	if (tenant && tenant_get(&d, cs.conn, tenant, &t) != OG_OK) {
		fprintf(stderr, "otpgate: no tenant %s\n", tenant);
		goto out;
	}
	memset(&det, 0, sizeof det);
	rc = registry_import_csv(&d, cs.conn, &audit_cli, platform ? REGISTRY_PLATFORM : t.id,
				 text, len, cli_dlt_report, NULL, &totals, &det);
	if (rc != OG_OK) {
		fprintf(stderr, "otpgate: %s: %s\n", file,
			det.message[0] ? det.message : og_err_strerror(rc));
		goto out;
	}
	printf("imported %zu, failed %zu\n", totals.imported, totals.failed);
	status = totals.failed ? 1 : 0;
out:
	cli_store_close(&cs);
done:
	free(text);
	return status;
}

int cli_dlt(int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "import") == 0)
		return cli_dlt_import(argc - 1, argv + 1);
	if (argc == 1 && strcmp(argv[0], "rules") == 0)
		return cli_dlt_rules();
	cli_dlt_usage();
	return 2;
}
