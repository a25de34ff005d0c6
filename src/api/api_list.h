/*
 * The one shape of every paginated list route (docs/API.md §1.5): read
 * `limit` and `after`, fetch one page of records into a buffer
 * of `limit` of them, render each as a JSON object, and answer 200 with
 * {"data":[...],"next_after":...}, where next_after is the last record's
 * cursor on a full page and null otherwise. A route gives a
 * spec: the size of its record, where the record's cursor sits, and how to
 * fetch and render; a check of its own other query arguments goes in its
 * fetch, which runs after `limit` and `after` are read.
 */
#ifndef OG_API_LIST_H
#define OG_API_LIST_H

#include "api/api_int.h"

#include <stddef.h>

/** Reads up to limit records after the cursor `after` (NULL: the first page) into rows, setting *n. */
typedef enum og_err (*api_list_fetch_fn)(struct api_call *call, const void *arg, const char *after,
					 size_t limit, void *rows, size_t *n);

/** Renders one record as a JSON object; NULL without memory. */
typedef json_t *(*api_list_render_fn)(struct api_call *call, const void *row);

struct api_list_spec {
	size_t row_size;          /* sizeof one record */
	size_t cursor_offset;     /* offsetof the record's cursor: a NUL-terminated char array */
	size_t cursor_max;        /* the cursor's size: an `after` this long or longer is refused */
	api_list_fetch_fn fetch;
	api_list_render_fn render;
};

/* A spec's record and cursor, so the cursor's size always is its field's. */
#define API_LIST_ROW(T, cursor)                                                                \
	.row_size = sizeof(T), .cursor_offset = offsetof(T, cursor),                           \
	.cursor_max = API_JSON_SIZEOF(T, cursor)

/** Answers 200 with one page of the spec's records (arg goes to fetch), or returns the error to render. */
enum og_err api_list_reply(struct api_call *call, const struct api_list_spec *spec,
			   const void *arg);

#endif
