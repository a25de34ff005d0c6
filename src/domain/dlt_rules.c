/*
 * The rule table, indexed by enum dlt_rule_id. Sources are named as
 * DOMAIN.md names them; "operator practice" is what the operators'
 * delivery codes (Kaleyra's list) show they enforce.
 */
#include "domain/dlt_rules.h"

#include <assert.h>

#define SRC_TRAI_2018 "TRAI TCCCPR 2018: operators scrub PE, header and template"
#define SRC_OPERATOR "operator practice (Kaleyra's delivery codes, DOMAIN.md §1)"
#define SRC_TRAI_2025 "TRAI direction of 18 Nov 2025 on template variables"
#define SRC_TRAI_2023 "TRAI direction of May 2023 on fixed text"
#define SRC_TRAI_2024 "TRAI direction of Oct 2024 on URLs and callback numbers"
#define SRC_HEADER_SUFFIX "operators' header suffixes since May 2025 (-S, -T, -P, -G)"
#define SRC_OTPGATE "otpgate policy"

/* The one list of rules; indexed by enum dlt_rule_id. */
static const struct dlt_rule dlt_rules[DLT__RULES] = {
	[DLT_R_PE] = {"DLT-01", DLT_KIND_SCRUB, "SNDR-NT-MTCH",
		      "the route has a PE-ID: the tenant's own (route own) or the platform's "
		      "(route shared)", SRC_TRAI_2018},
	[DLT_R_HEADER_REGISTERED] = {"DLT-02", DLT_KIND_SCRUB, "SNDR-NT-REG",
				     "the header is registered in the route's registry",
				     SRC_TRAI_2018},
	[DLT_R_HEADER_ACTIVE] = {"DLT-03", DLT_KIND_SCRUB, "SNDR-INACTVE", "the header is active",
				 SRC_OPERATOR},
	[DLT_R_HEADER_CATEGORY] = {"DLT-04", DLT_KIND_SCRUB, "SDR-TL-MSMAT",
				   "the header's category is the template's category",
				   SRC_OPERATOR},
	[DLT_R_HEADER_PE] = {"DLT-05", DLT_KIND_SCRUB, "SNDR-NT-MTCH",
			     "the header was registered under the route's PE-ID", SRC_TRAI_2018},
	[DLT_R_TEMPLATE_FOUND] = {"DLT-06", DLT_KIND_SCRUB, "TL-NT-FOUND",
				  "the template is registered in the route's registry",
				  SRC_TRAI_2018},
	[DLT_R_TEMPLATE_ID] = {"DLT-07", DLT_KIND_SCRUB, "TL-ID-INVLD",
			       "the template ID is 1 to 30 digits", SRC_OPERATOR},
	[DLT_R_TEMPLATE_BLACKLISTED] = {"DLT-08", DLT_KIND_SCRUB, "TL-BLKLST",
					"the template is not blacklisted", SRC_OPERATOR},
	[DLT_R_TEMPLATE_ACTIVE] = {"DLT-09", DLT_KIND_SCRUB, "TL-INACTIVE",
				   "the template is active", SRC_OPERATOR},
	[DLT_R_TEMPLATE_MAPPED] = {"DLT-10", DLT_KIND_SCRUB, "SDR-TL-MSMAT",
				   "the template is mapped to the header", SRC_TRAI_2018},
	[DLT_R_CONTENT] = {"DLT-11", DLT_KIND_SCRUB, "TL-NT-MTCHD",
			   "the message matches the registered content's fixed text exactly "
			   "(case, spaces and punctuation included)", SRC_TRAI_2018},
	[DLT_R_VALUE_EMPTY] = {"DLT-12", DLT_KIND_SCRUB, "TL-NT-MTCHD",
			       "no variable is empty", SRC_OPERATOR},
	[DLT_R_VALUE_LENGTH] = {"DLT-13", DLT_KIND_SCRUB, "TL-LMT-EXCED",
				"each variable is within its maximum length in characters "
				"(default 30)", SRC_OPERATOR},
	[DLT_R_VALUE_TAG] = {"DLT-14", DLT_KIND_SCRUB, "TL-NT-MTCHD",
			     "each value fits its tag: numeric takes ASCII digits only, "
			     "alphanumeric ASCII letters and digits, email an address",
			     SRC_TRAI_2025},
	[DLT_R_VALUE_URL] = {"DLT-15", DLT_KIND_SCRUB, "TL-NT-MTCHD",
			     "a {#url#} value is whitelisted under the PE", SRC_TRAI_2024},
	[DLT_R_VALUE_CBN] = {"DLT-16", DLT_KIND_SCRUB, "TL-NT-MTCHD",
			     "a {#cbn#} value is a whitelisted callback number", SRC_TRAI_2024},
	[DLT_R_VALUE_CHARS] = {"DLT-17", DLT_KIND_SCRUB, "TL-NT-MTCHD",
			       "no value holds a control character, an invisible character, or "
			       "(in a plain-text template) any non-ASCII look-alike",
			       SRC_OPERATOR},
	[DLT_R_SYNTAX] = {"DLT-20", DLT_KIND_ERROR, NULL,
			  "variables are written exactly {#var#} or with a tag ({#numeric#}, "
			  "{#alphanumeric#}, {#url#}, {#cbn#}, {#email#}); look-alikes such as "
			  "{#var}, { #var# }, {$var$}, {var} or #var# are refused", SRC_TRAI_2018},
	[DLT_R_FIXED_TEXT] = {"DLT-21", DLT_KIND_ERROR, NULL,
			      "the template has fixed text (a letter or digit outside variables)",
			      SRC_TRAI_2023},
	[DLT_R_VARS_MAX] = {"DLT-22", DLT_KIND_ERROR, NULL, "at most 3 variables",
			    SRC_TRAI_2025},
	[DLT_R_ADJACENT] = {"DLT-23", DLT_KIND_ERROR, NULL,
			    "no two variables are adjacent (only spaces between them counts as "
			    "adjacent)", SRC_TRAI_2025},
	[DLT_R_CODE_VAR] = {"DLT-24", DLT_KIND_ERROR, NULL,
			    "an OTP template has a variable for the code ({#var#}, {#numeric#} or "
			    "{#alphanumeric#} named \"otp\")", SRC_OTPGATE},
	[DLT_R_BODY_CHARS] = {"DLT-25", DLT_KIND_ERROR, NULL,
			      "the body is UTF-8 without control characters (a newline "
			      "excepted) or invisible characters", SRC_OPERATOR},
	[DLT_R_MAPPED_HEADER_FORMAT] = {"DLT-26", DLT_KIND_ERROR, NULL,
					"each mapped header has the format of the template's "
					"category (see DLT-41)", SRC_TRAI_2018},
	[DLT_R_VARS_WARN] = {"DLT-30", DLT_KIND_WARNING, NULL,
			     "more than 2 variables needs reasons recorded with the operator",
			     SRC_TRAI_2025},
	[DLT_R_FIXED_SHARE] = {"DLT-31", DLT_KIND_WARNING, NULL,
			       "fixed text is at least 30% of the message, counting each variable "
			       "at its maximum length", SRC_TRAI_2023},
	[DLT_R_OTP_CATEGORY] = {"DLT-32", DLT_KIND_WARNING, NULL,
				"an OTP template registered as promotional or service explicit "
				"arrives with -P; OTPs should be -S or -T", SRC_HEADER_SUFFIX},
	[DLT_R_FIXED_WHITELIST] = {"DLT-33", DLT_KIND_WARNING, NULL,
				   "a URL or callback number in the fixed text is whitelisted",
				   SRC_TRAI_2024},
	[DLT_R_MAPPED_HEADER_REGISTERED] = {"DLT-34", DLT_KIND_WARNING, NULL,
					    "each mapped header is registered, active and of the "
					    "template's category", SRC_TRAI_2018},
	[DLT_R_PE_FORMAT] = {"DLT-40", DLT_KIND_FORMAT, NULL,
			     "a PE-ID is 1 to 30 digits; one that is not 19 digits is warned",
			     "DOMAIN.md §1 (SMPP field width; published PE-IDs)"},
	[DLT_R_HEADER_FORMAT] = {"DLT-41", DLT_KIND_FORMAT, NULL,
				 "a header is 6 letters A-Z (transactional, service, government) "
				 "or 6 digits (promotional)", SRC_TRAI_2018},
	[DLT_R_TEMPLATE_ID_FORMAT] = {"DLT-42", DLT_KIND_FORMAT, NULL,
				      "a template ID is 1 to 30 digits; one that is not 19 "
				      "digits is warned", "DOMAIN.md §1"},
	[DLT_R_WHITELIST_URL] = {"DLT-43", DLT_KIND_FORMAT, NULL,
				 "a whitelisted URL is http(s) with a host, not a shortener, and "
				 "a dynamic one ends its fixed part with ?", SRC_TRAI_2024},
	[DLT_R_WHITELIST_CBN] = {"DLT-44", DLT_KIND_FORMAT, NULL,
				 "a callback number is a mobile (10 digits starting 6-9, optional "
				 "91) or toll-free (1800, 1860)", SRC_TRAI_2024},
	[DLT_R_VAR_MAX_LEN] = {"DLT-45", DLT_KIND_FORMAT, NULL,
			       "a variable's maximum length is 1 to 128 characters (default 30)",
			       "DOMAIN.md §1 (disputed: 30, 20 or none)"},
	[DLT_R_ROUTE_DEFAULT] = {"DLT-50", DLT_KIND_ROUTE, NULL,
				 "a tenant's route defaults to own with a PE-ID, shared without",
				 SRC_OTPGATE},
	[DLT_R_ROUTE_OWN] = {"DLT-51", DLT_KIND_ROUTE, NULL,
			     "route own uses only the tenant's registry; a missing piece is "
			     "refused, never sent through the shared route", SRC_OTPGATE},
	[DLT_R_ROUTE_SHARED] = {"DLT-52", DLT_KIND_ROUTE, NULL,
				"route shared uses the platform's registry: a tenant template is "
				"an alias for the platform template with its ID and must render "
				"its content", SRC_OTPGATE},
};

const struct dlt_rule *dlt_rules_get(enum dlt_rule_id id)
{
	assert(id >= 0 && id < DLT__RULES && dlt_rules[id].id);
	return &dlt_rules[id];
}

const struct dlt_rule *dlt_rules_at(size_t i) { return i < DLT__RULES ? &dlt_rules[i] : NULL; }
