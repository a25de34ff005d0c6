/*
 * Strict, declarative JSON decoding. Each request type has a static table of
 * fields (name, type, required, size, where it goes in a typed struct), and
 * api_json_decode fills the struct from a body or names the first field that
 * is unknown, ill-typed, too long or missing. Handlers only ever see checked,
 * typed values; no handler walks a json_t.
 */
#ifndef OG_API_JSON_H
#define OG_API_JSON_H

#include "base/og_err.h"

#include <stdbool.h>
#include <stddef.h>

#define API_JSON_PATH_MAX 96    /* a dotted field path in an error, e.g. "billing.mode" */
#define API_JSON_FIELDS_MAX 32  /* fields in one object of a spec */

enum api_json_type {
	API_JSON_STRING,  /* char[size]; longer than size-1 bytes is refused */
	API_JSON_INT,     /* int */
	API_JSON_INT64,   /* int64_t */
	API_JSON_BOOL,    /* bool */
	API_JSON_ENUM,    /* a string from names[], stored as its index in an int */
	API_JSON_OBJECT,  /* a nested object whose fields land in the same struct */
	API_JSON_STRINGS, /* an array of strings into char[elem_max][size] plus a count */
	API_JSON_MAP,     /* an object of string values into elements {key, value} plus a count */
	API_JSON_INTS     /* an array of integers into int[elem_max] plus a count */
};

#define API_JSON_REQUIRED 0x1u /* absent is an error */
#define API_JSON_NULLABLE 0x2u /* null is allowed: sets the null flag (and the has flag) */
#define API_JSON_HAS 0x4u      /* has_offset names a bool set when the field is present */

struct api_json_object;

struct api_json_field {
	const char *key;        /* the JSON member name */
	const char *path;       /* the full dotted path, for errors */
	enum api_json_type type;
	unsigned flags;
	size_t offset;          /* where the value goes (unused for OBJECT) */
	size_t size;            /* the member's size; STRINGS: one string; MAP: one element */
	size_t has_offset;      /* with API_JSON_HAS */
	size_t null_offset;     /* with API_JSON_NULLABLE */
	enum og_err too_long;   /* the error for an over-long string; OG_OK means invalid_request */
	const char *const *names; /* ENUM: the accepted strings, by value */
	size_t names_count;
	const struct api_json_object *object; /* OBJECT */
	size_t elem_max;        /* STRINGS, MAP: the most elements */
	size_t count_offset;    /* STRINGS, MAP: where the element count goes */
	size_t count_size;      /* sizeof the count: int or size_t */
	size_t key_size;        /* MAP: the key buffer at the start of each element */
	size_t value_offset;    /* MAP: the value buffer within each element */
	size_t value_size;
};

struct api_json_object {
	const struct api_json_field *fields;
	size_t count;
};

#define API_JSON_OBJECT_OF(arr) {(arr), sizeof(arr) / sizeof((arr)[0])}
#define API_JSON_SIZEOF(T, m) sizeof(((T *)0)->m)

/* Field constructors, so each spec table reads as one line per field. */
#define API_JSON_F(k, p, ty, T, m, fl)                                                         \
	{.key = (k), .path = (p), .type = (ty), .flags = (fl), .offset = offsetof(T, m),       \
	 .size = API_JSON_SIZEOF(T, m)}
#define API_JSON_F_HAS(k, p, ty, T, m, h, fl)                                                  \
	{.key = (k), .path = (p), .type = (ty), .flags = (fl) | API_JSON_HAS,                  \
	 .offset = offsetof(T, m), .size = API_JSON_SIZEOF(T, m), .has_offset = offsetof(T, h)}
#define API_JSON_F_ENUM(k, p, T, m, h, nm, fl)                                                 \
	{.key = (k), .path = (p), .type = API_JSON_ENUM, .flags = (fl) | API_JSON_HAS,         \
	 .offset = offsetof(T, m), .size = API_JSON_SIZEOF(T, m), .has_offset = offsetof(T, h), \
	 .names = (nm), .names_count = sizeof(nm) / sizeof((nm)[0])}
#define API_JSON_F_OBJECT(k, p, obj, fl) {.key = (k), .path = (p), .type = API_JSON_OBJECT,   \
					  .flags = (fl), .object = (obj)}
#define API_JSON_F_STRINGS(k, p, T, m, cnt, fl)                                                \
	{.key = (k), .path = (p), .type = API_JSON_STRINGS, .flags = (fl),                     \
	 .offset = offsetof(T, m), .size = API_JSON_SIZEOF(T, m[0]),                           \
	 .elem_max = sizeof(((T *)0)->m) / API_JSON_SIZEOF(T, m[0]),                           \
	 .count_offset = offsetof(T, cnt), .count_size = API_JSON_SIZEOF(T, cnt)}
#define API_JSON_F_MAP(k, p, T, m, cnt, E, km, vm, fl)                                         \
	{.key = (k), .path = (p), .type = API_JSON_MAP, .flags = (fl),                         \
	 .offset = offsetof(T, m), .size = sizeof(E),                                          \
	 .elem_max = sizeof(((T *)0)->m) / sizeof(E), .count_offset = offsetof(T, cnt),        \
	 .count_size = API_JSON_SIZEOF(T, cnt), .key_size = API_JSON_SIZEOF(E, km),            \
	 .value_offset = offsetof(E, vm), .value_size = API_JSON_SIZEOF(E, vm)}

#define API_JSON_F_INTS(k, p, T, m, cnt, fl)                                                   \
	{.key = (k), .path = (p), .type = API_JSON_INTS, .flags = (fl),                        \
	 .offset = offsetof(T, m), .size = sizeof(int),                                        \
	 .elem_max = sizeof(((T *)0)->m) / sizeof(int), .count_offset = offsetof(T, cnt),      \
	 .count_size = API_JSON_SIZEOF(T, cnt)}

/** Decodes body into target by spec; on failure fills det (det->field points into field_buf). */
enum og_err api_json_decode(const char *body, size_t len, const struct api_json_object *spec,
			    void *target, struct og_detail *det, char field_buf[API_JSON_PATH_MAX]);

/** True if a Content-Type names JSON: "application/json", optionally with parameters. */
bool api_json_content_type_ok(const char *content_type);

#endif
