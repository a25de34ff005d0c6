/*
 * The paginated list routes' common path (api_list.h): everything a list
 * handler did the same way, the page buffer, the "data" array, the
 * next_after cursor and the cleanup, done once, so each list route says
 * only what it reads and how it renders a record.
 */
#include "api/api_list.h"

#include <assert.h>
#include <stdlib.h>

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
	rc = api_page(call, spec->cursor_max, &limit, &after);
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
	rc = api_reply_json(call, 200, api_page_json(data, n, limit, last));
	data = NULL;
out:
	json_decref(data);
	free(rows);
	return rc;
}
