/*
 * The strict decoder behind every JSON request body. It parses with
 * jansson (duplicate keys refused), then walks the object once: every member
 * must be in the spec, of the spec's type, and fit its buffer; afterwards
 * every required member must have been seen. The first problem found is
 * reported with the full dotted path of the field, so a client can fix its
 * request without guessing.
 */
#include "api/api_json.h"

#include <assert.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define API_JSON_MEDIA "application/json"

/* Where the first error is described: the detail plus the buffer its
 * field pointer refers to (a path may be built from a client's key). */
struct api_json_ctx {
	struct og_detail *det;
	char *field_buf;
};

__attribute__((format(printf, 4, 5))) static enum og_err
api_json_fail(struct api_json_ctx *ctx, enum og_err err, const char *path, const char *fmt, ...)
{
	va_list ap;

	/* A path longer than the buffer is only a diagnostic, so truncating it
	 * is harmless; the client's key cannot overflow anything. */
	snprintf(ctx->field_buf, API_JSON_PATH_MAX, "%s", path);
	if (ctx->det) {
		ctx->det->field = ctx->field_buf;
		va_start(ap, fmt);
		vsnprintf(ctx->det->message, sizeof ctx->det->message, fmt, ap);
		va_end(ap);
	}
	return err;
}

static void api_json_set_bool(void *target, size_t offset, bool value)
{
	*(bool *)((char *)target + offset) = value;
}

static void api_json_set_count(void *target, const struct api_json_field *f, size_t n)
{
	char *at = (char *)target + f->count_offset;

	if (f->count_size == sizeof(int))
		*(int *)(void *)at = (int)n;
	else {
		assert(f->count_size == sizeof(size_t));
		*(size_t *)(void *)at = n;
	}
}

/* Copies a JSON string into a buffer of size bytes, or fails naming path. */
static enum og_err api_json_copy_string(struct api_json_ctx *ctx, const json_t *v, char *out,
					size_t size, const char *path, enum og_err too_long)
{
	size_t len;

	if (!json_is_string(v))
		return api_json_fail(ctx, OG_ERR_INVALID_REQUEST, path, "%s must be a string", path);
	len = json_string_length(v);
	if (len > size - 1)
		return api_json_fail(ctx, too_long ? too_long : OG_ERR_INVALID_REQUEST, path,
				     "%s must be at most %zu bytes", path, size - 1);
	memcpy(out, json_string_value(v), len + 1);
	return OG_OK;
}

static enum og_err api_json_decode_object(struct api_json_ctx *ctx, const json_t *obj,
					  const struct api_json_object *spec, void *target);

static enum og_err api_json_decode_strings(struct api_json_ctx *ctx, const json_t *v,
					   const struct api_json_field *f, void *target)
{
	size_t i;
	const json_t *item;
	enum og_err rc;

	if (!json_is_array(v))
		return api_json_fail(ctx, OG_ERR_INVALID_REQUEST, f->path,
				     "%s must be an array of strings", f->path);
	if (json_array_size(v) > f->elem_max)
		return api_json_fail(ctx, OG_ERR_INVALID_REQUEST, f->path,
				     "%s may have at most %zu items", f->path, f->elem_max);
	json_array_foreach(v, i, item) {
		rc = api_json_copy_string(ctx, item, (char *)target + f->offset + i * f->size,
					  f->size, f->path, OG_OK);
		if (rc != OG_OK)
			return rc;
	}
	api_json_set_count(target, f, json_array_size(v));
	return OG_OK;
}

static enum og_err api_json_decode_ints(struct api_json_ctx *ctx, const json_t *v,
					const struct api_json_field *f, void *target)
{
	size_t i;
	const json_t *item;

	assert(f->size == sizeof(int));
	if (!json_is_array(v))
		return api_json_fail(ctx, OG_ERR_INVALID_REQUEST, f->path,
				     "%s must be an array of integers", f->path);
	if (json_array_size(v) > f->elem_max)
		return api_json_fail(ctx, OG_ERR_INVALID_REQUEST, f->path,
				     "%s may have at most %zu items", f->path, f->elem_max);
	json_array_foreach(v, i, item) {
		json_int_t n = json_integer_value(item);
		if (!json_is_integer(item) || n < INT_MIN || n > INT_MAX)
			return api_json_fail(ctx, OG_ERR_INVALID_REQUEST, f->path,
					     "%s must be an array of integers", f->path);
		((int *)(void *)((char *)target + f->offset))[i] = (int)n;
	}
	api_json_set_count(target, f, json_array_size(v));
	return OG_OK;
}

static enum og_err api_json_decode_map(struct api_json_ctx *ctx, const json_t *v,
				       const struct api_json_field *f, void *target)
{
	const char *key;
	const json_t *item;
	size_t n = 0;
	char path[API_JSON_PATH_MAX];
	enum og_err rc;

	if (!json_is_object(v))
		return api_json_fail(ctx, OG_ERR_INVALID_REQUEST, f->path,
				     "%s must be an object of strings", f->path);
	if (json_object_size(v) > f->elem_max)
		return api_json_fail(ctx, OG_ERR_INVALID_REQUEST, f->path,
				     "%s may have at most %zu members", f->path, f->elem_max);
	json_object_foreach((json_t *)v, key, item) {
		char *elem = (char *)target + f->offset + n * f->size;
		size_t key_len = strlen(key);
		snprintf(path, sizeof path, "%s.%s", f->path, key); /* diagnostic only */
		if (key_len == 0 || key_len > f->key_size - 1)
			return api_json_fail(ctx, OG_ERR_INVALID_REQUEST, path,
					     "names in %s must be 1 to %zu bytes", f->path,
					     f->key_size - 1);
		memcpy(elem, key, key_len + 1);
		rc = api_json_copy_string(ctx, item, elem + f->value_offset, f->value_size, path,
					  OG_OK);
		if (rc != OG_OK)
			return rc;
		n++;
	}
	api_json_set_count(target, f, n);
	return OG_OK;
}

static enum og_err api_json_decode_enum(struct api_json_ctx *ctx, const json_t *v,
					const struct api_json_field *f, void *target)
{
	const char *s;

	assert(f->size == sizeof(int));
	if (!json_is_string(v))
		return api_json_fail(ctx, OG_ERR_INVALID_REQUEST, f->path, "%s must be a string",
				     f->path);
	s = json_string_value(v);
	for (size_t i = 0; i < f->names_count; i++) {
		if (strcmp(s, f->names[i]) == 0) {
			*(int *)(void *)((char *)target + f->offset) = (int)i;
			return OG_OK;
		}
	}
	return api_json_fail(ctx, OG_ERR_INVALID_REQUEST, f->path, "%s has an unknown value",
			     f->path);
}

/* Decodes one present, non-null member according to its field spec. */
static enum og_err api_json_decode_value(struct api_json_ctx *ctx, const json_t *v,
					 const struct api_json_field *f, void *target)
{
	char *at = (char *)target + f->offset;

	switch (f->type) {
	case API_JSON_STRING:
		return api_json_copy_string(ctx, v, at, f->size, f->path, f->too_long);
	case API_JSON_INT:
	case API_JSON_INT64: {
		json_int_t n;
		if (!json_is_integer(v))
			return api_json_fail(ctx, OG_ERR_INVALID_REQUEST, f->path,
					     "%s must be an integer", f->path);
		n = json_integer_value(v);
		if (f->type == API_JSON_INT64) {
			assert(f->size == sizeof(int64_t));
			*(int64_t *)(void *)at = (int64_t)n;
			return OG_OK;
		}
		assert(f->size == sizeof(int));
		if (n < INT_MIN || n > INT_MAX)
			return api_json_fail(ctx, OG_ERR_INVALID_REQUEST, f->path,
					     "%s is out of range", f->path);
		*(int *)(void *)at = (int)n;
		return OG_OK;
	}
	case API_JSON_BOOL:
		assert(f->size == sizeof(bool));
		if (!json_is_boolean(v))
			return api_json_fail(ctx, OG_ERR_INVALID_REQUEST, f->path,
					     "%s must be true or false", f->path);
		*(bool *)at = json_is_true(v);
		return OG_OK;
	case API_JSON_ENUM:
		return api_json_decode_enum(ctx, v, f, target);
	case API_JSON_OBJECT:
		if (!json_is_object(v))
			return api_json_fail(ctx, OG_ERR_INVALID_REQUEST, f->path,
					     "%s must be an object", f->path);
		return api_json_decode_object(ctx, v, f->object, target);
	case API_JSON_STRINGS:
		return api_json_decode_strings(ctx, v, f, target);
	case API_JSON_MAP:
		return api_json_decode_map(ctx, v, f, target);
	case API_JSON_INTS:
		return api_json_decode_ints(ctx, v, f, target);
	}
	assert(0 && "unknown field type");
	return OG_ERR_INTERNAL;
}

static const struct api_json_field *api_json_lookup(const struct api_json_object *spec,
						    const char *key)
{
	for (size_t i = 0; i < spec->count; i++)
		if (strcmp(spec->fields[i].key, key) == 0)
			return &spec->fields[i];
	return NULL;
}

/* The path of an unknown member, from its siblings' paths: the first
 * field's path with its last component replaced by key. */
static void api_json_unknown_path(const struct api_json_object *spec, const char *key,
				  char out[API_JSON_PATH_MAX])
{
	const char *prefix = spec->count ? spec->fields[0].path : "";
	const char *dot = strrchr(prefix, '.');
	int plen = dot ? (int)(dot - prefix + 1) : 0;

	snprintf(out, API_JSON_PATH_MAX, "%.*s%s", plen, prefix, key); /* diagnostic only */
}

static enum og_err api_json_decode_object(struct api_json_ctx *ctx, const json_t *obj,
					  const struct api_json_object *spec, void *target)
{
	bool seen[API_JSON_FIELDS_MAX] = {false};
	const char *key;
	const json_t *v;
	char path[API_JSON_PATH_MAX];
	enum og_err rc;

	assert(spec->count <= API_JSON_FIELDS_MAX);
	json_object_foreach((json_t *)obj, key, v) {
		const struct api_json_field *f = api_json_lookup(spec, key);
		if (!f) {
			api_json_unknown_path(spec, key, path);
			return api_json_fail(ctx, OG_ERR_INVALID_REQUEST, path, "unknown field %s",
					     path);
		}
		seen[f - spec->fields] = true;
		if (json_is_null(v)) {
			if (!(f->flags & API_JSON_NULLABLE))
				return api_json_fail(ctx, OG_ERR_INVALID_REQUEST, f->path,
						     "%s may not be null", f->path);
			api_json_set_bool(target, f->null_offset, true);
		} else {
			rc = api_json_decode_value(ctx, v, f, target);
			if (rc != OG_OK)
				return rc;
		}
		if (f->flags & API_JSON_HAS)
			api_json_set_bool(target, f->has_offset, true);
	}
	for (size_t i = 0; i < spec->count; i++) {
		const struct api_json_field *f = &spec->fields[i];
		if ((f->flags & API_JSON_REQUIRED) && !seen[i])
			return api_json_fail(ctx, OG_ERR_INVALID_REQUEST, f->path, "%s is required",
					     f->path);
	}
	return OG_OK;
}

enum og_err api_json_decode(const char *body, size_t len, const struct api_json_object *spec,
			    void *target, struct og_detail *det, char field_buf[API_JSON_PATH_MAX])
{
	struct api_json_ctx ctx = {.det = det, .field_buf = field_buf};
	json_error_t jerr;
	json_t *root = NULL;
	enum og_err rc;

	assert(body && spec && target && field_buf);
	field_buf[0] = '\0';
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		rc = og_fail(det, OG_ERR_INVALID_JSON, NULL, "invalid JSON at line %d column %d: %s",
			     jerr.line, jerr.column, jerr.text);
		goto out;
	}
	if (!json_is_object(root)) {
		rc = og_fail(det, OG_ERR_INVALID_REQUEST, NULL, "the body must be a JSON object");
		goto out;
	}
	rc = api_json_decode_object(&ctx, root, spec, target);
out:
	json_decref(root);
	return rc;
}

bool api_json_content_type_ok(const char *content_type)
{
	size_t n = sizeof API_JSON_MEDIA - 1;
	char next;

	if (!content_type)
		return false;
	while (*content_type == ' ' || *content_type == '\t')
		content_type++;
	if (strncasecmp(content_type, API_JSON_MEDIA, n) != 0)
		return false;
	next = content_type[n];
	return next == '\0' || next == ';' || next == ' ' || next == '\t';
}
