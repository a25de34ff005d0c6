/*
 * The replay driver: in builds without libFuzzer, each fuzz target is
 * linked with this main, which feeds it every file named on the command
 * line (or found in a directory named there), once. ctest runs it over the
 * seed corpus and the committed regressions, so every input that ever
 * crashed a target is tried again in every `make test`, under ASan too.
 * Not built into the libFuzzer binaries, which bring their own main.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FUZZ_REPLAY_INPUT_MAX (1024 * 1024) /* libFuzzer's default -max_len is far below */
#define FUZZ_REPLAY_PATH_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Runs one file; returns 0, or 1 if it could not be read. */
static int fuzz_replay_file(const char *path, size_t *count)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	size_t n;

	if (!f) {
		fprintf(stderr, "fuzz_replay: cannot open %s\n", path);
		return 1;
	}
	buf = malloc(FUZZ_REPLAY_INPUT_MAX);
	if (!buf) {
		fclose(f);
		return 1;
	}
	n = fread(buf, 1, FUZZ_REPLAY_INPUT_MAX, f);
	fclose(f);
	/* Exactly n bytes, in a buffer of exactly n bytes, as libFuzzer gives. */
	uint8_t *exact = malloc(n ? n : 1);
	if (exact) {
		memcpy(exact, buf, n);
		LLVMFuzzerTestOneInput(exact, n);
		free(exact);
		(*count)++;
	}
	free(buf);
	return exact ? 0 : 1;
}

static int fuzz_replay_path(const char *path, size_t *count)
{
	struct stat st;
	DIR *dir;
	struct dirent *e;
	char child[FUZZ_REPLAY_PATH_MAX];
	int bad = 0;

	if (stat(path, &st) != 0)
		return 0; /* a target with no regressions yet has no directory */
	if (!S_ISDIR(st.st_mode))
		return fuzz_replay_file(path, count);
	dir = opendir(path);
	if (!dir)
		return 1;
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (snprintf(child, sizeof child, "%s/%s", path, e->d_name) >= (int)sizeof child) {
			bad = 1;
			continue;
		}
		bad |= fuzz_replay_file(child, count);
	}
	closedir(dir);
	return bad;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	int bad = 0;

	for (int i = 1; i < argc; i++)
		bad |= fuzz_replay_path(argv[i], &count);
	printf("fuzz_replay: %zu inputs replayed\n", count);
	return bad;
}
