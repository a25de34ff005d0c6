/*
 * otpgate's entry point: a table of subcommands.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

static int cli_version(int argc, char **argv);
static int cli_help(int argc, char **argv);

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{"serve", cli_serve, "run the HTTP API and the dispatcher"},
	{"admin-key", cli_admin_key, "create an admin API key and print it"},
	{"migrate", cli_migrate, "apply pending database migrations"},
	{"purge", cli_purge, "delete personal data past each tenant's retention"},
	{"rotate-secret", cli_rotate_secret, "re-encrypt everything under a new secret"},
	{"dlt", cli_dlt, "DLT registry: `dlt import --tenant ID FILE.csv`, `dlt rules`"},
	{"version", cli_version, "print the version"},
	{"help", cli_help, "print this help"},
};

static int cli_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("otpgate %s\n", OG_VERSION);
	return 0;
}

static int cli_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("usage: otpgate COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		printf("  %-14s %s\n", commands[i].name, commands[i].summary);
	printf("\noptions of every command that opens the database (flag, variable, meaning):\n");
	config_usage(CONFIG_STORE);
	printf("\noptions of serve:\n");
	config_usage(CONFIG_SERVE);
	printf("\noptions of purge:\n");
	config_usage(CONFIG_PURGE);
	printf("\noptions of rotate-secret (docs/SECURITY.md, secrets at rest):\n");
	config_usage(CONFIG_ROTATE);
	printf("\noptions of dlt (docs/DLT.md), which serve takes too:\n");
	config_usage(CONFIG_DLT);
	return 0;
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "help";

	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].name, name) == 0)
			return commands[i].run(argc - 2 < 0 ? 0 : argc - 2, argv + 2);
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
		return cli_help(0, NULL);
	if (strcmp(name, "--version") == 0)
		return cli_version(0, NULL);
	fprintf(stderr, "otpgate: unknown command %s (see otpgate help)\n", name);
	return 2;
}
