/*
 * The paginated list routes' common path (api_list.h): everything a list
 * handler did the same way, the page buffer, the "data" array, the
 * next_after cursor and the cleanup, done once, so each list route says
 * only what it reads and how it renders a record.
 */
#include "api/api_list.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Reads `limit` (1..STORE_PAGE_MAX, default API_PAGE_DEFAULT) and `after`
 * (shorter than after_max). */
static enum og_err api_list_page(struct api_call *call, size_t after_max, size_t *limit,
				 const char **after)
{
	const char *text = api_query(call, "limit");
	char *end = NULL;
	long long n;

	*limit = API_PAGE_DEFAULT;
	*after = api_query(call, "after");
	if (*after && (**after == '\0' || strlen(*after) >= after_max))
		return api_fail(call, OG_ERR_INVALID_REQUEST, "after", "after is not a valid cursor");
	if (!text)
		return OG_OK;
	errno = 0;
	n = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || n < 1 || n > STORE_PAGE_MAX)
		return api_fail(call, OG_ERR_INVALID_REQUEST, "limit",
				"limit must be an integer from 1 to %d", STORE_PAGE_MAX);
	*limit = (size_t)n;
	return OG_OK;
}

/* Wraps a page as {"data":data,"next_after":last or null}. */
static json_t *api_list_page_json(json_t *data, size_t n, size_t limit, const char *last)
{
	/* A full page may have a successor; a short one is the end. */
	json_t *next = (n == limit && last) ? json_string(last) : json_null();

	return json_pack("{s:o, s:o}", "data", data, "next_after", next);
}

enum og_err api_list_reply(struct api_call *call, const struct api_list_spec *spec,
			   const void *arg)
{
	char *rows = NULL;
	json_t *data = NULL;
	const char *after;
	const char *last = NULL;
	size_t limit, n = 0;
	enum og_err rc;

	assert(spec && spec->row_size > 0 && spec->cursor_offset < spec->row_size);
	assert(spec->fetch && spec->render);
	rc = api_list_page(call, spec->cursor_max, &limit, &after);
	if (rc != OG_OK)
		goto out;
	rows = calloc(limit, spec->row_size);
	data = json_array();
	if (!rows || !data) {
		rc = OG_ERR_NOMEM;
		goto out;
	}
	rc = spec->fetch(call, arg, after, limit, rows, &n);
	if (rc != OG_OK)
		goto out;
	assert(n <= limit);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(data, spec->render(call, rows + i * spec->row_size));
	if (n > 0)
		last = rows + (n - 1) * spec->row_size + spec->cursor_offset;
	rc = api_reply_json(call, 200, api_list_page_json(data, n, limit, last));
	data = NULL;
out:
	json_decref(data);
	free(rows);
	return rc;
}
