/*
 * The operator's DLT scrub, as the fake gateway applies it to what it
 * receives. It is written apart from otpgate (no shared code) and the way
 * an operator's scrubber works: the registered content becomes an anchored
 * POSIX regular expression whose variables are groups, and the groups a
 * message fills are checked against each variable's length, tag and the
 * entity's whitelist. Integration tests load the same registry into
 * otpgate and into fakegw, so a message otpgate refuses locally can be
 * shown to be one the operator would refuse, with the same code.
 *
 * The registry is JSON:
 *   {"var_max_len": 30,
 *    "entities": [{"pe_id": "...",
 *                  "headers": [{"header","category","status"}],
 *                  "templates": [{"id","content","category","status","headers":[..],
 *                                 "var_max_len":[..]}],
 *                  "whitelist": [{"type":"url"|"cbn","value"}]}]}
 */
#ifndef FAKEGW_SCRUB_H
#define FAKEGW_SCRUB_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define FAKEGW_SCRUB_REASON_MAX 192

/* The operator's verdict on one message. */
struct fakegw_verdict {
	const char *code; /* NULL: delivered; else e.g. "TL-NT-MTCHD" */
	char reason[FAKEGW_SCRUB_REASON_MAX];
};

/** True if registry has the shape above (so a bad file is refused at load). */
bool fakegw_scrub_registry_valid(const json_t *registry, char *why, size_t why_max);

/** Scrubs a send body {"peId","senderId","templateId","text",...} against registry. */
void fakegw_scrub(const json_t *registry, const json_t *body, struct fakegw_verdict *out);

#endif
