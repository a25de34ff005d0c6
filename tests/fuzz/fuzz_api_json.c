/*
 * Fuzz target: the strict JSON request decoder (src/api/api_json.c) with a
 * spec that uses every field type and flag, nested objects included, plus
 * the Content-Type check. Invariants checked beyond "no crash": a decode
 * either succeeds or names a field and a message, every decoded string is
 * NUL-terminated within its buffer, and counts never pass their maximum.
 */
#include "api/api_json.h"

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FUZZ_STR_MAX 16
#define FUZZ_ITEMS_MAX 4

struct fuzz_pair {
	char key[FUZZ_STR_MAX];
	char value[FUZZ_STR_MAX];
};

struct fuzz_target {
	bool has_name;
	char name[FUZZ_STR_MAX];
	bool has_n;
	int n;
	bool has_big;
	int64_t big;
	bool flag;
	bool has_mode;
	int mode;
	bool has_inner, inner_null;
	char inner_text[FUZZ_STR_MAX];
	int inner_n;
	size_t str_count;
	char strs[FUZZ_ITEMS_MAX][FUZZ_STR_MAX];
	size_t pair_count;
	struct fuzz_pair pairs[FUZZ_ITEMS_MAX];
	size_t int_count;
	int ints[FUZZ_ITEMS_MAX];
};

#define FT struct fuzz_target

static const char *const fuzz_modes[] = {"prepaid", "postpaid"};

static const struct api_json_field fuzz_inner_fields[] = {
	API_JSON_F("text", "inner.text", API_JSON_STRING, FT, inner_text, API_JSON_REQUIRED),
	API_JSON_F("n", "inner.n", API_JSON_INT, FT, inner_n, 0),
};
static const struct api_json_object fuzz_inner = API_JSON_OBJECT_OF(fuzz_inner_fields);

static const struct api_json_field fuzz_fields[] = {
	API_JSON_F_HAS("name", "name", API_JSON_STRING, FT, name, has_name, 0),
	API_JSON_F_HAS("n", "n", API_JSON_INT, FT, n, has_n, 0),
	API_JSON_F_HAS("big", "big", API_JSON_INT64, FT, big, has_big, 0),
	API_JSON_F("flag", "flag", API_JSON_BOOL, FT, flag, 0),
	API_JSON_F_ENUM("mode", "mode", FT, mode, has_mode, fuzz_modes, 0),
	{.key = "inner", .path = "inner", .type = API_JSON_OBJECT,
	 .flags = API_JSON_NULLABLE | API_JSON_HAS, .has_offset = offsetof(FT, has_inner),
	 .null_offset = offsetof(FT, inner_null), .object = &fuzz_inner},
	API_JSON_F_STRINGS("strs", "strs", FT, strs, str_count, 0),
	API_JSON_F_MAP("pairs", "pairs", FT, pairs, pair_count, struct fuzz_pair, key, value, 0),
	API_JSON_F_INTS("ints", "ints", FT, ints, int_count, 0),
};
static const struct api_json_object fuzz_spec = API_JSON_OBJECT_OF(fuzz_fields);

static void fuzz_check_string(const char *s, size_t size)
{
	assert(memchr(s, '\0', size) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_target t;
	struct og_detail det;
	char field[API_JSON_PATH_MAX];
	char media[64];
	enum og_err rc;

	memset(&t, 0, sizeof t);
	memset(&det, 0, sizeof det);
	rc = api_json_decode((const char *)data, size, &fuzz_spec, &t, &det, field);
	if (rc != OG_OK) {
		assert(det.message[0] != '\0');
		fuzz_check_string(det.message, sizeof det.message);
	} else {
		fuzz_check_string(t.name, sizeof t.name);
		fuzz_check_string(t.inner_text, sizeof t.inner_text);
		assert(t.str_count <= FUZZ_ITEMS_MAX && t.pair_count <= FUZZ_ITEMS_MAX &&
		       t.int_count <= FUZZ_ITEMS_MAX);
		for (size_t i = 0; i < t.str_count; i++)
			fuzz_check_string(t.strs[i], sizeof t.strs[i]);
		for (size_t i = 0; i < t.pair_count; i++) {
			fuzz_check_string(t.pairs[i].key, sizeof t.pairs[i].key);
			fuzz_check_string(t.pairs[i].value, sizeof t.pairs[i].value);
		}
		assert(!t.has_mode || (t.mode >= 0 && t.mode < 2));
	}
	/* The same bytes as a Content-Type header value. */
	if (size < sizeof media) {
		memcpy(media, data, size);
		media[size] = '\0';
		(void)api_json_content_type_ok(media);
	}
	return 0;
}
