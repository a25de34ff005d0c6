/*
 * An OTP request's sealed context (otp_context.h). The plaintext is
 * {"phone":...,"vars":{name:value,...},"sender_header":...} in compact
 * JSON, sealed under the request's id; every plaintext copy is wiped once
 * sealed or read.
 */
#include "domain/otp_context.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum og_err otp_context_seal(const struct domain *d, const char *phone,
			     const struct otp_variable *vars, size_t nvars,
			     const char *sender_header, struct store_otp *o)
{
	json_t *root = json_pack("{s:s, s:{}, s:s}", "phone", phone, "vars", "sender_header",
				 sender_header);
	json_t *jv = root ? json_object_get(root, "vars") : NULL;
	char *text = NULL;
	enum og_err rc = OG_ERR_NOMEM;

	if (!jv)
		goto out;
	for (size_t i = 0; i < nvars; i++)
		if (json_object_set_new(jv, vars[i].name, json_string(vars[i].value)) != 0)
			goto out;
	text = json_dumps(root, JSON_COMPACT);
	if (!text)
		goto out;
	rc = secret_seal(d->secret, o->id, text, strlen(text), o->context_sealed,
			 sizeof o->context_sealed, &o->context_sealed_len);
out:
	if (text) {
		sodium_memzero(text, strlen(text));
		free(text);
	}
	json_decref(root);
	return rc;
}

enum og_err otp_context_open(const struct domain *d, const struct store_otp *o,
			     char phone[PHONE_MAX], struct otp_variable *vars, size_t *nvars,
			     char sender_header[STORE_HEADER_MAX])
{
	char text[STORE_PAYLOAD_MAX + 1];
	size_t len = 0;
	json_t *root = NULL, *jv, *value;
	const char *name, *ph;
	enum og_err rc;

	*nvars = 0;
	rc = secret_open(d->secret, o->id, o->context_sealed, o->context_sealed_len, text,
			 STORE_PAYLOAD_MAX, &len);
	if (rc != OG_OK)
		return rc;
	text[len] = '\0';
	root = json_loads(text, 0, NULL);
	sodium_memzero(text, sizeof text);
	rc = OG_ERR_INTERNAL;
	ph = json_string_value(json_object_get(root, "phone"));
	jv = json_object_get(root, "vars");
	if (!ph || strlen(ph) >= PHONE_MAX || !json_is_object(jv))
		goto out;
	memcpy(phone, ph, strlen(ph) + 1);
	/* Absent in contexts sealed before the DLT engine: no header asked for. */
	ph = json_string_value(json_object_get(root, "sender_header"));
	if (ph && strlen(ph) >= STORE_HEADER_MAX)
		goto out;
	snprintf(sender_header, STORE_HEADER_MAX, "%s", ph ? ph : "");
	json_object_foreach(jv, name, value)
	{
		const char *v = json_string_value(value);
		if (*nvars >= OTP_VARIABLES_MAX || !v || strlen(name) >= STORE_VAR_NAME_MAX ||
		    strlen(v) >= TEMPLATE_VALUE_MAX)
			goto out;
		memcpy(vars[*nvars].name, name, strlen(name) + 1);
		memcpy(vars[*nvars].value, v, strlen(v) + 1);
		(*nvars)++;
	}
	rc = OG_OK;
out:
	json_decref(root);
	return rc;
}
