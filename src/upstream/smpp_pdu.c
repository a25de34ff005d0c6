/*
 * The SMPP v3.4 codec (smpp_pdu.h). Every command is a row in one table that
 * names its body layout, and every layout is a table of fields, so decoding
 * and encoding walk the same description and cannot disagree about where a
 * field is. Decoding reads through a cursor that checks each length against
 * what is left before it looks, so no input can make it read past len; on
 * any failure the view is cleared but for its header, so a caller can never
 * act on half a PDU, and fault_status names the command_status that refuses
 * it.
 */
#include "upstream/smpp_pdu.h"

#include <assert.h>
#include <string.h>

#define SMPP_PDU_TLV_HEADER_LEN 4
#define SMPP_PDU_SEQ_MAX 0x7FFFFFFFu
#define SMPP_PDU_NETWORK_ERROR_LEN 3 /* network_type, then a 16-bit error code */

enum smpp_pdu_kind {
	SMPP_PDU_U8,           /* one octet */
	SMPP_PDU_CSTR,         /* a C-Octet String of at most max octets, NUL included */
	SMPP_PDU_TIME,         /* a C-Octet String that is empty or SMPP_TIME_LEN characters */
	SMPP_PDU_SHORT_MESSAGE /* sm_length, then that many octets */
};

/* One mandatory field. Offsets are from the start of the body union, where
 * every member begins. */
struct smpp_pdu_field {
	const char *name;   /* the spec's name, for errors */
	uint8_t kind;       /* enum smpp_pdu_kind */
	uint8_t max;        /* CSTR, TIME: octets including the NUL */
	uint32_t fault;     /* the command_status that refuses a malformed value */
	size_t offset;      /* the value, or sm_length for SHORT_MESSAGE */
	size_t offset_data; /* SHORT_MESSAGE: the octets pointer */
};

#define SMPP_PDU_FIELD_U8(type, f) {#f, SMPP_PDU_U8, 0, SMPP_ESME_RINVCMDLEN, offsetof(type, f), 0}
#define SMPP_PDU_FIELD_CSTR(type, f, max, fault) {#f, SMPP_PDU_CSTR, max, fault, offsetof(type, f), 0}
#define SMPP_PDU_FIELD_TIME(type, f, fault) {#f, SMPP_PDU_TIME, SMPP_TIME_MAX, fault, offsetof(type, f), 0}

static const struct smpp_pdu_field smpp_pdu_bind_fields[] = {
	SMPP_PDU_FIELD_CSTR(struct smpp_pdu_bind, system_id, SMPP_SYSTEM_ID_MAX, SMPP_ESME_RINVSYSID),
	SMPP_PDU_FIELD_CSTR(struct smpp_pdu_bind, password, SMPP_PASSWORD_MAX, SMPP_ESME_RINVPASWD),
	SMPP_PDU_FIELD_CSTR(struct smpp_pdu_bind, system_type, SMPP_SYSTEM_TYPE_MAX,
			    SMPP_ESME_RINVSYSTYP),
	SMPP_PDU_FIELD_U8(struct smpp_pdu_bind, interface_version),
	SMPP_PDU_FIELD_U8(struct smpp_pdu_bind, addr_ton),
	SMPP_PDU_FIELD_U8(struct smpp_pdu_bind, addr_npi),
	SMPP_PDU_FIELD_CSTR(struct smpp_pdu_bind, address_range, SMPP_ADDRESS_RANGE_MAX,
			    SMPP_ESME_RBINDFAIL),
};

static const struct smpp_pdu_field smpp_pdu_bind_resp_fields[] = {
	SMPP_PDU_FIELD_CSTR(struct smpp_pdu_bind_resp, system_id, SMPP_SYSTEM_ID_MAX,
			    SMPP_ESME_RINVSYSID),
};

static const struct smpp_pdu_field smpp_pdu_sm_fields[] = {
	SMPP_PDU_FIELD_CSTR(struct smpp_pdu_sm, service_type, SMPP_SERVICE_TYPE_MAX,
			    SMPP_ESME_RINVSERTYP),
	SMPP_PDU_FIELD_U8(struct smpp_pdu_sm, source_addr_ton),
	SMPP_PDU_FIELD_U8(struct smpp_pdu_sm, source_addr_npi),
	SMPP_PDU_FIELD_CSTR(struct smpp_pdu_sm, source_addr, SMPP_ADDR_MAX, SMPP_ESME_RINVSRCADR),
	SMPP_PDU_FIELD_U8(struct smpp_pdu_sm, dest_addr_ton),
	SMPP_PDU_FIELD_U8(struct smpp_pdu_sm, dest_addr_npi),
	SMPP_PDU_FIELD_CSTR(struct smpp_pdu_sm, destination_addr, SMPP_ADDR_MAX,
			    SMPP_ESME_RINVDSTADR),
	SMPP_PDU_FIELD_U8(struct smpp_pdu_sm, esm_class),
	SMPP_PDU_FIELD_U8(struct smpp_pdu_sm, protocol_id),
	SMPP_PDU_FIELD_U8(struct smpp_pdu_sm, priority_flag),
	SMPP_PDU_FIELD_TIME(struct smpp_pdu_sm, schedule_delivery_time, SMPP_ESME_RINVSCHED),
	SMPP_PDU_FIELD_TIME(struct smpp_pdu_sm, validity_period, SMPP_ESME_RINVEXPIRY),
	SMPP_PDU_FIELD_U8(struct smpp_pdu_sm, registered_delivery),
	SMPP_PDU_FIELD_U8(struct smpp_pdu_sm, replace_if_present_flag),
	SMPP_PDU_FIELD_U8(struct smpp_pdu_sm, data_coding),
	SMPP_PDU_FIELD_U8(struct smpp_pdu_sm, sm_default_msg_id),
	{"short_message", SMPP_PDU_SHORT_MESSAGE, 0, SMPP_ESME_RINVMSGLEN,
	 offsetof(struct smpp_pdu_sm, sm_length), offsetof(struct smpp_pdu_sm, short_message)},
};

static const struct smpp_pdu_field smpp_pdu_data_sm_fields[] = {
	SMPP_PDU_FIELD_CSTR(struct smpp_pdu_data_sm, service_type, SMPP_SERVICE_TYPE_MAX,
			    SMPP_ESME_RINVSERTYP),
	SMPP_PDU_FIELD_U8(struct smpp_pdu_data_sm, source_addr_ton),
	SMPP_PDU_FIELD_U8(struct smpp_pdu_data_sm, source_addr_npi),
	SMPP_PDU_FIELD_CSTR(struct smpp_pdu_data_sm, source_addr, SMPP_DATA_SM_ADDR_MAX,
			    SMPP_ESME_RINVSRCADR),
	SMPP_PDU_FIELD_U8(struct smpp_pdu_data_sm, dest_addr_ton),
	SMPP_PDU_FIELD_U8(struct smpp_pdu_data_sm, dest_addr_npi),
	SMPP_PDU_FIELD_CSTR(struct smpp_pdu_data_sm, destination_addr, SMPP_DATA_SM_ADDR_MAX,
			    SMPP_ESME_RINVDSTADR),
	SMPP_PDU_FIELD_U8(struct smpp_pdu_data_sm, esm_class),
	SMPP_PDU_FIELD_U8(struct smpp_pdu_data_sm, registered_delivery),
	SMPP_PDU_FIELD_U8(struct smpp_pdu_data_sm, data_coding),
};

static const struct smpp_pdu_field smpp_pdu_resp_fields[] = {
	SMPP_PDU_FIELD_CSTR(struct smpp_pdu_resp, message_id, SMPP_MESSAGE_ID_MAX,
			    SMPP_ESME_RINVMSGID),
};

#define SMPP_PDU_F_CODED 0x01         /* this codec decodes and encodes it */
#define SMPP_PDU_F_TLVS 0x02          /* optional parameters may follow the fields */
#define SMPP_PDU_F_BODY_OPTIONAL 0x04 /* a response whose body may be left out on error */

struct smpp_pdu_command {
	uint32_t id;
	const char *name;
	const struct smpp_pdu_field *fields; /* NULL: no body */
	size_t field_count;
	unsigned flags;
};

#define SMPP_PDU_LAYOUT(a) a, sizeof a / sizeof a[0]
#define SMPP_PDU_RESP_FLAGS (SMPP_PDU_F_CODED | SMPP_PDU_F_TLVS | SMPP_PDU_F_BODY_OPTIONAL)

/* TLVs are taken after every response that has a body: v3.4 allows them only
 * after bind_*_resp and data_sm_resp, but v5.0 SMSCs add them to the others,
 * and refusing a submit_sm_resp would lose the message id it carries. The
 * commands without a codec are here for their names. */
static const struct smpp_pdu_command smpp_pdu_commands[] = {
	{SMPP_GENERIC_NACK, "generic_nack", NULL, 0, SMPP_PDU_F_CODED},
	{SMPP_BIND_RECEIVER, "bind_receiver", SMPP_PDU_LAYOUT(smpp_pdu_bind_fields), SMPP_PDU_F_CODED},
	{SMPP_BIND_RECEIVER_RESP, "bind_receiver_resp", SMPP_PDU_LAYOUT(smpp_pdu_bind_resp_fields),
	 SMPP_PDU_RESP_FLAGS},
	{SMPP_BIND_TRANSMITTER, "bind_transmitter", SMPP_PDU_LAYOUT(smpp_pdu_bind_fields),
	 SMPP_PDU_F_CODED},
	{SMPP_BIND_TRANSMITTER_RESP, "bind_transmitter_resp",
	 SMPP_PDU_LAYOUT(smpp_pdu_bind_resp_fields), SMPP_PDU_RESP_FLAGS},
	{SMPP_QUERY_SM, "query_sm", NULL, 0, 0},
	{SMPP_QUERY_SM_RESP, "query_sm_resp", NULL, 0, 0},
	{SMPP_SUBMIT_SM, "submit_sm", SMPP_PDU_LAYOUT(smpp_pdu_sm_fields),
	 SMPP_PDU_F_CODED | SMPP_PDU_F_TLVS},
	{SMPP_SUBMIT_SM_RESP, "submit_sm_resp", SMPP_PDU_LAYOUT(smpp_pdu_resp_fields),
	 SMPP_PDU_RESP_FLAGS},
	{SMPP_DELIVER_SM, "deliver_sm", SMPP_PDU_LAYOUT(smpp_pdu_sm_fields),
	 SMPP_PDU_F_CODED | SMPP_PDU_F_TLVS},
	{SMPP_DELIVER_SM_RESP, "deliver_sm_resp", SMPP_PDU_LAYOUT(smpp_pdu_resp_fields),
	 SMPP_PDU_RESP_FLAGS},
	{SMPP_UNBIND, "unbind", NULL, 0, SMPP_PDU_F_CODED},
	{SMPP_UNBIND_RESP, "unbind_resp", NULL, 0, SMPP_PDU_F_CODED},
	{SMPP_REPLACE_SM, "replace_sm", NULL, 0, 0},
	{SMPP_REPLACE_SM_RESP, "replace_sm_resp", NULL, 0, 0},
	{SMPP_CANCEL_SM, "cancel_sm", NULL, 0, 0},
	{SMPP_CANCEL_SM_RESP, "cancel_sm_resp", NULL, 0, 0},
	{SMPP_BIND_TRANSCEIVER, "bind_transceiver", SMPP_PDU_LAYOUT(smpp_pdu_bind_fields),
	 SMPP_PDU_F_CODED},
	{SMPP_BIND_TRANSCEIVER_RESP, "bind_transceiver_resp",
	 SMPP_PDU_LAYOUT(smpp_pdu_bind_resp_fields), SMPP_PDU_RESP_FLAGS},
	{SMPP_OUTBIND, "outbind", NULL, 0, 0},
	{SMPP_ENQUIRE_LINK, "enquire_link", NULL, 0, SMPP_PDU_F_CODED},
	{SMPP_ENQUIRE_LINK_RESP, "enquire_link_resp", NULL, 0, SMPP_PDU_F_CODED},
	{SMPP_SUBMIT_MULTI, "submit_multi", NULL, 0, 0},
	{SMPP_SUBMIT_MULTI_RESP, "submit_multi_resp", NULL, 0, 0},
	{SMPP_ALERT_NOTIFICATION, "alert_notification", NULL, 0, 0},
	{SMPP_DATA_SM, "data_sm", SMPP_PDU_LAYOUT(smpp_pdu_data_sm_fields),
	 SMPP_PDU_F_CODED | SMPP_PDU_F_TLVS},
	{SMPP_DATA_SM_RESP, "data_sm_resp", SMPP_PDU_LAYOUT(smpp_pdu_resp_fields),
	 SMPP_PDU_RESP_FLAGS},
};

#define SMPP_PDU_COMMANDS_COUNT (sizeof smpp_pdu_commands / sizeof smpp_pdu_commands[0])

struct smpp_pdu_status_row {
	uint32_t status;
	const char *name;
};

static const struct smpp_pdu_status_row smpp_pdu_statuses[] = {
	{SMPP_ESME_ROK, "ESME_ROK"},
	{SMPP_ESME_RINVMSGLEN, "ESME_RINVMSGLEN"},
	{SMPP_ESME_RINVCMDLEN, "ESME_RINVCMDLEN"},
	{SMPP_ESME_RINVCMDID, "ESME_RINVCMDID"},
	{SMPP_ESME_RINVBNDSTS, "ESME_RINVBNDSTS"},
	{SMPP_ESME_RALYBND, "ESME_RALYBND"},
	{SMPP_ESME_RINVPRTFLG, "ESME_RINVPRTFLG"},
	{SMPP_ESME_RINVREGDLVFLG, "ESME_RINVREGDLVFLG"},
	{SMPP_ESME_RSYSERR, "ESME_RSYSERR"},
	{SMPP_ESME_RINVSRCADR, "ESME_RINVSRCADR"},
	{SMPP_ESME_RINVDSTADR, "ESME_RINVDSTADR"},
	{SMPP_ESME_RINVMSGID, "ESME_RINVMSGID"},
	{SMPP_ESME_RBINDFAIL, "ESME_RBINDFAIL"},
	{SMPP_ESME_RINVPASWD, "ESME_RINVPASWD"},
	{SMPP_ESME_RINVSYSID, "ESME_RINVSYSID"},
	{SMPP_ESME_RCANCELFAIL, "ESME_RCANCELFAIL"},
	{SMPP_ESME_RREPLACEFAIL, "ESME_RREPLACEFAIL"},
	{SMPP_ESME_RMSGQFUL, "ESME_RMSGQFUL"},
	{SMPP_ESME_RINVSERTYP, "ESME_RINVSERTYP"},
	{SMPP_ESME_RINVNUMDESTS, "ESME_RINVNUMDESTS"},
	{SMPP_ESME_RINVDLNAME, "ESME_RINVDLNAME"},
	{SMPP_ESME_RINVDESTFLAG, "ESME_RINVDESTFLAG"},
	{SMPP_ESME_RINVSUBREP, "ESME_RINVSUBREP"},
	{SMPP_ESME_RINVESMCLASS, "ESME_RINVESMCLASS"},
	{SMPP_ESME_RCNTSUBDL, "ESME_RCNTSUBDL"},
	{SMPP_ESME_RSUBMITFAIL, "ESME_RSUBMITFAIL"},
	{SMPP_ESME_RINVSRCTON, "ESME_RINVSRCTON"},
	{SMPP_ESME_RINVSRCNPI, "ESME_RINVSRCNPI"},
	{SMPP_ESME_RINVDSTTON, "ESME_RINVDSTTON"},
	{SMPP_ESME_RINVDSTNPI, "ESME_RINVDSTNPI"},
	{SMPP_ESME_RINVSYSTYP, "ESME_RINVSYSTYP"},
	{SMPP_ESME_RINVREPFLAG, "ESME_RINVREPFLAG"},
	{SMPP_ESME_RINVNUMMSGS, "ESME_RINVNUMMSGS"},
	{SMPP_ESME_RTHROTTLED, "ESME_RTHROTTLED"},
	{SMPP_ESME_RINVSCHED, "ESME_RINVSCHED"},
	{SMPP_ESME_RINVEXPIRY, "ESME_RINVEXPIRY"},
	{SMPP_ESME_RINVDFTMSGID, "ESME_RINVDFTMSGID"},
	{SMPP_ESME_RX_T_APPN, "ESME_RX_T_APPN"},
	{SMPP_ESME_RX_P_APPN, "ESME_RX_P_APPN"},
	{SMPP_ESME_RX_R_APPN, "ESME_RX_R_APPN"},
	{SMPP_ESME_RQUERYFAIL, "ESME_RQUERYFAIL"},
	{SMPP_ESME_RINVOPTPARSTREAM, "ESME_RINVOPTPARSTREAM"},
	{SMPP_ESME_ROPTPARNOTALLWD, "ESME_ROPTPARNOTALLWD"},
	{SMPP_ESME_RINVPARLEN, "ESME_RINVPARLEN"},
	{SMPP_ESME_RMISSINGOPTPARAM, "ESME_RMISSINGOPTPARAM"},
	{SMPP_ESME_RINVOPTPARAMVAL, "ESME_RINVOPTPARAMVAL"},
	{SMPP_ESME_RDELIVERYFAILURE, "ESME_RDELIVERYFAILURE"},
	{SMPP_ESME_RUNKNOWNERR, "ESME_RUNKNOWNERR"},
};

static const struct smpp_pdu_command *smpp_pdu_command_find(uint32_t command_id)
{
	for (size_t i = 0; i < SMPP_PDU_COMMANDS_COUNT; i++)
		if (smpp_pdu_commands[i].id == command_id)
			return &smpp_pdu_commands[i];
	return NULL;
}

static uint32_t smpp_pdu_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t smpp_pdu_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void smpp_pdu_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void smpp_pdu_init(struct smpp_pdu *p, uint32_t command_id, uint32_t command_status,
		   uint32_t sequence_number)
{
	assert(p);
	memset(p, 0, sizeof *p);
	p->header.command_id = command_id;
	p->header.command_status = command_status;
	p->header.sequence_number = sequence_number;
}

uint32_t smpp_pdu_seq_next(uint32_t seq)
{
	return seq >= SMPP_PDU_SEQ_MAX ? 1 : seq + 1;
}

enum og_err smpp_pdu_tlv_add(struct smpp_pdu *p, uint16_t tag, const void *value, uint16_t len)
{
	assert(p && (value || len == 0));
	assert(p->tlv_count <= SMPP_PDU_TLVS_MAX);
	if (p->tlv_count == SMPP_PDU_TLVS_MAX)
		return OG_ERR_PAYLOAD_TOO_LARGE;
	p->tlv[p->tlv_count].tag = tag;
	p->tlv[p->tlv_count].len = len;
	p->tlv[p->tlv_count].value = value;
	p->tlv_count++;
	return OG_OK;
}

const struct smpp_pdu_tlv *smpp_pdu_tlv_find(const struct smpp_pdu *p, uint16_t tag)
{
	assert(p && p->tlv_count <= SMPP_PDU_TLVS_MAX);
	for (size_t i = 0; i < p->tlv_count; i++)
		if (p->tlv[i].tag == tag)
			return &p->tlv[i];
	return NULL;
}

enum og_err smpp_pdu_frame(const uint8_t *buf, size_t len, size_t max, size_t *pdu_len,
			   struct og_detail *d)
{
	uint32_t command_length;

	assert((buf || len == 0) && pdu_len);
	assert(max >= SMPP_PDU_HEADER_LEN && max <= SMPP_PDU_MAX);
	*pdu_len = 0;
	if (len < 4)
		return OG_OK;
	command_length = smpp_pdu_get32(buf);
	/* Either way the stream cannot be trusted to find the next PDU, so
	 * the caller has to drop the session after it says why. */
	if (command_length < SMPP_PDU_HEADER_LEN)
		return og_fail(d, OG_ERR_INVALID_REQUEST, "smpp.command_length",
			       "command_length %u is shorter than the %d-octet header",
			       (unsigned)command_length, SMPP_PDU_HEADER_LEN);
	if (command_length > max)
		return og_fail(d, OG_ERR_PAYLOAD_TOO_LARGE, "smpp.command_length",
			       "command_length %u is over the maximum of %zu", (unsigned)command_length,
			       max);
	if (len >= command_length)
		*pdu_len = command_length;
	return OG_OK;
}

/* A cursor over the PDU being decoded. */
struct smpp_pdu_reader {
	const uint8_t *buf;
	size_t len;
	size_t off; /* never beyond len */
};

/* Decodes field f at the cursor into body; on failure sets *fault. */
static enum og_err smpp_pdu_read_field(struct smpp_pdu_reader *r, const struct smpp_pdu_field *f,
				       const char *command, void *body, uint32_t *fault,
				       struct og_detail *d)
{
	size_t left = r->len - r->off;
	const uint8_t *at = r->buf + r->off;
	const uint8_t *nul;
	size_t n;

	if (left == 0) {
		*fault = SMPP_ESME_RINVCMDLEN;
		return og_fail(d, OG_ERR_INVALID_REQUEST, "smpp.command_length",
			       "%s ends before its field %s", command, f->name);
	}
	switch (f->kind) {
	case SMPP_PDU_U8:
		*((uint8_t *)body + f->offset) = at[0];
		r->off++;
		return OG_OK;
	case SMPP_PDU_CSTR:
	case SMPP_PDU_TIME:
		nul = memchr(at, '\0', left < f->max ? left : f->max);
		if (!nul && left < f->max) {
			*fault = SMPP_ESME_RINVCMDLEN;
			return og_fail(d, OG_ERR_INVALID_REQUEST, "smpp.command_length",
				       "%s ends inside its field %s", command, f->name);
		}
		if (!nul) {
			*fault = f->fault;
			return og_fail(d, OG_ERR_INVALID_REQUEST, "smpp.field",
				       "%s: %s is not NUL-terminated within %u octets", command,
				       f->name, (unsigned)f->max);
		}
		n = (size_t)(nul - at);
		if (f->kind == SMPP_PDU_TIME && n != 0 && n != SMPP_TIME_LEN) {
			*fault = f->fault;
			return og_fail(d, OG_ERR_INVALID_REQUEST, "smpp.field",
				       "%s: %s has %zu characters, not 0 or %d", command, f->name, n,
				       SMPP_TIME_LEN);
		}
		*(const char **)((uint8_t *)body + f->offset) = (const char *)at;
		r->off += n + 1;
		return OG_OK;
	case SMPP_PDU_SHORT_MESSAGE:
		n = at[0];
		if (n > SMPP_SHORT_MESSAGE_MAX || n > left - 1) {
			*fault = f->fault;
			return og_fail(d, OG_ERR_INVALID_REQUEST, "smpp.sm_length",
				       "%s: sm_length %zu is over %d or past the %zu octets left",
				       command, n, SMPP_SHORT_MESSAGE_MAX, left - 1);
		}
		*((uint8_t *)body + f->offset) = (uint8_t)n;
		*(const uint8_t **)((uint8_t *)body + f->offset_data) = n ? at + 1 : NULL;
		r->off += 1 + n;
		return OG_OK;
	}
	assert(!"unknown field kind");
	return OG_ERR_INTERNAL;
}

/* Decodes the TLVs from the cursor to the end of the PDU. */
static enum og_err smpp_pdu_read_tlvs(struct smpp_pdu_reader *r, const char *command,
				      struct smpp_pdu *out, struct og_detail *d)
{
	while (r->off < r->len) {
		size_t left = r->len - r->off;
		const uint8_t *at = r->buf + r->off;
		uint16_t tag, len;

		if (left < SMPP_PDU_TLV_HEADER_LEN) {
			out->fault_status = SMPP_ESME_RINVOPTPARSTREAM;
			return og_fail(d, OG_ERR_INVALID_REQUEST, "smpp.tlv",
				       "%s: %zu stray octets where a TLV should start", command, left);
		}
		tag = smpp_pdu_get16(at);
		len = smpp_pdu_get16(at + 2);
		if (len > left - SMPP_PDU_TLV_HEADER_LEN) {
			out->fault_status = SMPP_ESME_RINVOPTPARSTREAM;
			return og_fail(d, OG_ERR_INVALID_REQUEST, "smpp.tlv",
				       "%s: TLV 0x%04X says %u octets but %zu are left", command,
				       (unsigned)tag, (unsigned)len, left - SMPP_PDU_TLV_HEADER_LEN);
		}
		if (out->tlv_count == SMPP_PDU_TLVS_MAX) {
			out->fault_status = SMPP_ESME_RINVOPTPARSTREAM;
			return og_fail(d, OG_ERR_PAYLOAD_TOO_LARGE, "smpp.tlv",
				       "%s carries more than %d TLVs", command, SMPP_PDU_TLVS_MAX);
		}
		out->tlv[out->tlv_count].tag = tag;
		out->tlv[out->tlv_count].len = len;
		out->tlv[out->tlv_count].value = len ? at + SMPP_PDU_TLV_HEADER_LEN : NULL;
		out->tlv_count++;
		r->off += SMPP_PDU_TLV_HEADER_LEN + len;
	}
	return OG_OK;
}

enum og_err smpp_pdu_decode(const uint8_t *buf, size_t len, struct smpp_pdu *out,
			    struct og_detail *d)
{
	struct smpp_pdu_reader r = {buf, len, SMPP_PDU_HEADER_LEN};
	const struct smpp_pdu_command *c;
	struct smpp_pdu_header header;
	enum og_err rc = OG_OK;

	assert((buf || len == 0) && out);
	memset(out, 0, sizeof *out);
	out->fault_status = SMPP_ESME_RINVCMDLEN;
	if (len < SMPP_PDU_HEADER_LEN) {
		rc = og_fail(d, OG_ERR_INVALID_REQUEST, "smpp.command_length",
			     "%zu octets are fewer than a PDU header", len);
		goto out;
	}
	out->header.command_length = smpp_pdu_get32(buf);
	out->header.command_id = smpp_pdu_get32(buf + 4);
	out->header.command_status = smpp_pdu_get32(buf + 8);
	out->header.sequence_number = smpp_pdu_get32(buf + 12);
	if (len > SMPP_PDU_MAX) {
		rc = og_fail(d, OG_ERR_PAYLOAD_TOO_LARGE, "smpp.command_length",
			     "a PDU of %zu octets is over the maximum of %d", len, SMPP_PDU_MAX);
		goto out;
	}
	if (out->header.command_length != len) {
		rc = og_fail(d, OG_ERR_INVALID_REQUEST, "smpp.command_length",
			     "command_length %u does not match the %zu octets of the PDU",
			     (unsigned)out->header.command_length, len);
		goto out;
	}
	c = smpp_pdu_command_find(out->header.command_id);
	if (!c || !(c->flags & SMPP_PDU_F_CODED)) {
		out->fault_status = SMPP_ESME_RINVCMDID;
		rc = og_fail(d, OG_ERR_INVALID_REQUEST, "smpp.command_id",
			     "command_id 0x%08X (%s) is not supported",
			     (unsigned)out->header.command_id, c ? c->name : "unknown");
		goto out;
	}
	out->fault_status = 0;
	if ((c->flags & SMPP_PDU_F_BODY_OPTIONAL) && len == SMPP_PDU_HEADER_LEN) {
		/* The spec lets a refusal leave its body out; an acceptance
		 * without one would hide the very value it exists to carry. */
		if (out->header.command_status == SMPP_ESME_ROK) {
			out->fault_status = SMPP_ESME_RINVCMDLEN;
			rc = og_fail(d, OG_ERR_INVALID_REQUEST, "smpp.command_length",
				     "%s with ESME_ROK has no body", c->name);
		}
		goto out;
	}
	for (size_t i = 0; i < c->field_count; i++) {
		rc = smpp_pdu_read_field(&r, &c->fields[i], c->name, &out->body, &out->fault_status,
					 d);
		if (rc != OG_OK)
			goto out;
	}
	if (r.off < r.len && !(c->flags & SMPP_PDU_F_TLVS)) {
		out->fault_status = SMPP_ESME_RINVCMDLEN;
		rc = og_fail(d, OG_ERR_INVALID_REQUEST, "smpp.command_length",
			     "%zu octets follow the last field of %s", r.len - r.off, c->name);
		goto out;
	}
	rc = smpp_pdu_read_tlvs(&r, c->name, out, d);
out:
	if (rc != OG_OK) {
		/* Keep only what lets the caller answer: the header and why. */
		uint32_t fault = out->fault_status ? out->fault_status : SMPP_ESME_RSYSERR;

		header = out->header;
		memset(out, 0, sizeof *out);
		out->header = header;
		out->fault_status = fault;
	}
	return rc;
}

/* A cursor over the buffer being encoded into. */
struct smpp_pdu_writer {
	uint8_t *buf;
	size_t max; /* the caller's buffer or SMPP_PDU_MAX, whichever is smaller */
	size_t len;
};

static enum og_err smpp_pdu_put(struct smpp_pdu_writer *w, const void *src, size_t n,
				struct og_detail *d)
{
	if (n > w->max - w->len)
		return og_fail(d, OG_ERR_PAYLOAD_TOO_LARGE, "smpp.command_length",
			       "the PDU does not fit in %zu octets", w->max);
	if (n > 0)
		memcpy(w->buf + w->len, src, n);
	w->len += n;
	return OG_OK;
}

static enum og_err smpp_pdu_put_u8(struct smpp_pdu_writer *w, uint8_t v, struct og_detail *d)
{
	return smpp_pdu_put(w, &v, 1, d);
}

static enum og_err smpp_pdu_write_field(struct smpp_pdu_writer *w,
					const struct smpp_pdu_field *f, const char *command,
					const void *body, struct og_detail *d)
{
	const char *s;
	const uint8_t *data;
	enum og_err rc;
	size_t n;

	switch (f->kind) {
	case SMPP_PDU_U8:
		return smpp_pdu_put_u8(w, *((const uint8_t *)body + f->offset), d);
	case SMPP_PDU_CSTR:
	case SMPP_PDU_TIME:
		s = *(const char *const *)((const uint8_t *)body + f->offset);
		if (!s)
			s = "";
		n = strnlen(s, f->max);
		if (n >= f->max)
			return og_fail(d, OG_ERR_PAYLOAD_TOO_LARGE, "smpp.field",
				       "%s: %s is longer than %u octets", command, f->name,
				       (unsigned)f->max - 1);
		if (f->kind == SMPP_PDU_TIME && n != 0 && n != SMPP_TIME_LEN)
			return og_fail(d, OG_ERR_INVALID_REQUEST, "smpp.field",
				       "%s: %s has %zu characters, not 0 or %d", command, f->name, n,
				       SMPP_TIME_LEN);
		return smpp_pdu_put(w, s, n + 1, d);
	case SMPP_PDU_SHORT_MESSAGE:
		n = *((const uint8_t *)body + f->offset);
		data = *(const uint8_t *const *)((const uint8_t *)body + f->offset_data);
		assert(data || n == 0);
		if (n > SMPP_SHORT_MESSAGE_MAX)
			return og_fail(d, OG_ERR_PAYLOAD_TOO_LARGE, "smpp.sm_length",
				       "%s: short_message of %zu octets is over %d", command, n,
				       SMPP_SHORT_MESSAGE_MAX);
		rc = smpp_pdu_put_u8(w, (uint8_t)n, d);
		if (rc != OG_OK)
			return rc;
		return smpp_pdu_put(w, data, n, d);
	}
	assert(!"unknown field kind");
	return OG_ERR_INTERNAL;
}

/* True when p is a response that leaves its body out: only a refusal may,
 * and only when no TLV follows, since the decoder could not tell TLVs from
 * the fields they would then stand in place of. */
static bool smpp_pdu_body_omitted(const struct smpp_pdu_command *c, const struct smpp_pdu *p)
{
	const char *s;

	if (!(c->flags & SMPP_PDU_F_BODY_OPTIONAL) || p->header.command_status == SMPP_ESME_ROK ||
	    p->tlv_count > 0)
		return false;
	assert(c->field_count == 1 && c->fields[0].kind == SMPP_PDU_CSTR);
	s = *(const char *const *)((const uint8_t *)&p->body + c->fields[0].offset);
	return s == NULL;
}

enum og_err smpp_pdu_encode(const struct smpp_pdu *p, uint8_t *buf, size_t max, size_t *len,
			    struct og_detail *d)
{
	static const uint8_t zero_header[SMPP_PDU_HEADER_LEN];
	struct smpp_pdu_writer w = {buf, max < SMPP_PDU_MAX ? max : SMPP_PDU_MAX, 0};
	const struct smpp_pdu_command *c;
	enum og_err rc;

	assert(p && buf && len);
	assert(p->tlv_count <= SMPP_PDU_TLVS_MAX);
	c = smpp_pdu_command_find(p->header.command_id);
	/* Which commands we send is decided in code, never by input. */
	assert(c && (c->flags & SMPP_PDU_F_CODED));
	*len = 0;
	if (!c || !(c->flags & SMPP_PDU_F_CODED)) {
		rc = og_fail(d, OG_ERR_INTERNAL, "smpp.command_id",
			     "command_id 0x%08X cannot be encoded", (unsigned)p->header.command_id);
		goto out;
	}
	rc = smpp_pdu_put(&w, zero_header, sizeof zero_header, d);
	if (rc != OG_OK)
		goto out;
	if (!smpp_pdu_body_omitted(c, p)) {
		for (size_t i = 0; i < c->field_count; i++) {
			rc = smpp_pdu_write_field(&w, &c->fields[i], c->name, &p->body, d);
			if (rc != OG_OK)
				goto out;
		}
	}
	if (p->tlv_count > 0 && !(c->flags & SMPP_PDU_F_TLVS)) {
		rc = og_fail(d, OG_ERR_INVALID_REQUEST, "smpp.tlv", "%s carries no TLVs", c->name);
		goto out;
	}
	for (size_t i = 0; i < p->tlv_count; i++) {
		const struct smpp_pdu_tlv *t = &p->tlv[i];
		uint8_t th[SMPP_PDU_TLV_HEADER_LEN] = {(uint8_t)(t->tag >> 8), (uint8_t)t->tag,
						       (uint8_t)(t->len >> 8), (uint8_t)t->len};

		assert(t->value || t->len == 0);
		rc = smpp_pdu_put(&w, th, sizeof th, d);
		if (rc == OG_OK)
			rc = smpp_pdu_put(&w, t->value, t->len, d);
		if (rc != OG_OK)
			goto out;
	}
	smpp_pdu_put32(buf, (uint32_t)w.len);
	smpp_pdu_put32(buf + 4, p->header.command_id);
	smpp_pdu_put32(buf + 8, p->header.command_status);
	smpp_pdu_put32(buf + 12, p->header.sequence_number);
	*len = w.len;
out:
	return rc;
}

enum og_err smpp_pdu_encode_answer(const struct smpp_pdu_header *request, uint32_t status,
				   uint8_t *buf, size_t max, size_t *len, struct og_detail *d)
{
	const struct smpp_pdu_command *c;
	struct smpp_pdu p;
	uint32_t id = SMPP_GENERIC_NACK;

	assert(request && buf && len);
	/* Responses are never answered: that is how two peers loop forever. */
	assert(!(request->command_id & SMPP_RESP_BIT));
	c = smpp_pdu_command_find(request->command_id | SMPP_RESP_BIT);
	/* A PDU whose length or command we could not read is answered with a
	 * generic_nack (§4.3): only that reply never claims to know its type. */
	if (c && (c->flags & SMPP_PDU_F_CODED) && status != SMPP_ESME_RINVCMDLEN &&
	    status != SMPP_ESME_RINVCMDID)
		id = c->id;
	smpp_pdu_init(&p, id, status, request->sequence_number);
	/* The body is sent even with a refusal: a deliver_sm_resp without its
	 * (empty) message_id is legal, but some SMSCs read past its header. */
	if (id == SMPP_BIND_RECEIVER_RESP || id == SMPP_BIND_TRANSMITTER_RESP ||
	    id == SMPP_BIND_TRANSCEIVER_RESP)
		p.body.bind_resp.system_id = "";
	else
		p.body.resp.message_id = "";
	return smpp_pdu_encode(&p, buf, max, len, d);
}

void smpp_pdu_message(const struct smpp_pdu *p, const uint8_t **bytes, size_t *len)
{
	const struct smpp_pdu_tlv *payload;

	assert(p && bytes && len);
	assert(p->header.command_id == SMPP_DELIVER_SM || p->header.command_id == SMPP_SUBMIT_SM ||
	       p->header.command_id == SMPP_DATA_SM);
	if (p->header.command_id != SMPP_DATA_SM && p->body.sm.sm_length > 0) {
		*bytes = p->body.sm.short_message;
		*len = p->body.sm.sm_length;
		return;
	}
	payload = smpp_pdu_tlv_find(p, SMPP_TLV_MESSAGE_PAYLOAD);
	*bytes = payload ? payload->value : NULL;
	*len = payload ? payload->len : 0;
}

static bool smpp_pdu_ascii_digits(const uint8_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] < '0' || v[i] > '9')
			return false;
	return true;
}

/* receipted_message_id is a C-Octet String, but SMSCs also send it without
 * its NUL; either is taken, a NUL inside it is not. */
static enum og_err smpp_pdu_receipt_id(const struct smpp_pdu_tlv *t, struct smpp_pdu_receipt *out,
				       struct og_detail *d)
{
	size_t n = t->len;

	if (n > 0 && t->value[n - 1] == '\0')
		n--;
	if (n == 0 || n > SMPP_MESSAGE_ID_MAX - 1 || memchr(t->value, '\0', n))
		return og_fail(d, OG_ERR_INVALID_REQUEST, "smpp.receipted_message_id",
			       "receipted_message_id of %u octets is empty, over %d or holds a NUL",
			       (unsigned)t->len, SMPP_MESSAGE_ID_MAX - 1);
	memcpy(out->message_id, t->value, n);
	out->message_id[n] = '\0';
	out->has_message_id = true;
	return OG_OK;
}

/* network_error_code is 3 octets: a network type, then a 16-bit error code.
 * Some SMSCs send the error as 3 ASCII digits instead (UPSTREAMS.md §1),
 * with or without a NUL; no network type is an ASCII digit (they run 1-8),
 * so the two cannot be mistaken for each other. */
static enum og_err smpp_pdu_receipt_network_error(const struct smpp_pdu_tlv *t,
						  struct smpp_pdu_receipt *out,
						  struct og_detail *d)
{
	const uint8_t *v = t->value;

	if ((t->len == SMPP_PDU_NETWORK_ERROR_LEN ||
	     (t->len == SMPP_PDU_NETWORK_ERROR_LEN + 1 && v[SMPP_PDU_NETWORK_ERROR_LEN] == '\0')) &&
	    smpp_pdu_ascii_digits(v, SMPP_PDU_NETWORK_ERROR_LEN)) {
		out->network_error_ascii = true;
		out->network_type = 0;
		out->network_error = (uint16_t)((v[0] - '0') * 100 + (v[1] - '0') * 10 + (v[2] - '0'));
		out->has_network_error = true;
		return OG_OK;
	}
	if (t->len != SMPP_PDU_NETWORK_ERROR_LEN)
		return og_fail(d, OG_ERR_INVALID_REQUEST, "smpp.network_error_code",
			       "network_error_code has %u octets, not %d", (unsigned)t->len,
			       SMPP_PDU_NETWORK_ERROR_LEN);
	out->network_type = v[0];
	out->network_error = smpp_pdu_get16(v + 1);
	out->has_network_error = true;
	return OG_OK;
}

enum og_err smpp_pdu_receipt(const struct smpp_pdu *p, struct smpp_pdu_receipt *out,
			     struct og_detail *d)
{
	const struct smpp_pdu_tlv *t;
	enum og_err rc = OG_OK;
	enum og_err one;
	uint8_t esm_class;

	assert(p && out);
	assert(p->header.command_id == SMPP_DELIVER_SM || p->header.command_id == SMPP_DATA_SM);
	memset(out, 0, sizeof *out);
	esm_class = p->header.command_id == SMPP_DATA_SM ? p->body.data_sm.esm_class
							 : p->body.sm.esm_class;
	out->is_receipt = (esm_class & SMPP_ESM_CLASS_RECEIPT_MASK) != 0;
	/* Each TLV is read on its own, so a bad one costs only itself: the
	 * receipt's id is worth keeping even when its error code is garbled.
	 * The first malformed one is the one reported. */
	t = smpp_pdu_tlv_find(p, SMPP_TLV_RECEIPTED_MESSAGE_ID);
	if (t) {
		one = smpp_pdu_receipt_id(t, out, d);
		rc = rc != OG_OK ? rc : one;
	}
	t = smpp_pdu_tlv_find(p, SMPP_TLV_MESSAGE_STATE);
	if (t && t->len == 1) {
		out->message_state = t->value[0];
		out->has_message_state = true;
	} else if (t && rc == OG_OK) {
		rc = og_fail(d, OG_ERR_INVALID_REQUEST, "smpp.message_state",
			     "message_state has %u octets, not 1", (unsigned)t->len);
	}
	t = smpp_pdu_tlv_find(p, SMPP_TLV_NETWORK_ERROR_CODE);
	if (t) {
		one = smpp_pdu_receipt_network_error(t, out, rc == OG_OK ? d : NULL);
		rc = rc != OG_OK ? rc : one;
	}
	return rc;
}

const char *smpp_pdu_command_name(uint32_t command_id)
{
	const struct smpp_pdu_command *c = smpp_pdu_command_find(command_id);

	return c ? c->name : "unknown";
}

const char *smpp_pdu_status_name(uint32_t command_status)
{
	for (size_t i = 0; i < sizeof smpp_pdu_statuses / sizeof smpp_pdu_statuses[0]; i++)
		if (smpp_pdu_statuses[i].status == command_status)
			return smpp_pdu_statuses[i].name;
	return "unknown";
}
