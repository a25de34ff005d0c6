/*
 * Fuzz target: the SMPP v3.4 codec (src/upstream/smpp_pdu.c) over bytes
 * from an SMSC. The input is a stream: each PDU the framer finds is copied
 * into a buffer of exactly its length (so ASan sees any read past it) and
 * decoded; the whole input is also decoded as one PDU as given. Invariants:
 * a decoded view points only inside its buffer, its strings end within their
 * field widths, it encodes back to the very same bytes (and fails cleanly
 * when the output buffer is one octet short), and that encoding decodes
 * again; a refusal keeps the header and names a fault status, and the answer
 * to any request encodes and decodes. Receipt TLVs, the message text, and
 * the receipt's message id are put through their readers too.
 */
#include "upstream/sms_text.h"
#include "upstream/smpp_msgid.h"
#include "upstream/smpp_pdu.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_SMPP_TEXT_MAX 2048 /* decoded text of one message; more is refused */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool fuzz_inside(const void *p, size_t n, const uint8_t *buf, size_t len)
{
	const uint8_t *q = p;

	return n == 0 || (q >= buf && q <= buf + len && n <= (size_t)(buf + len - q));
}

/* s is NULL, or a string inside buf that ends before max octets. */
static void fuzz_string_ok(const char *s, size_t max, const uint8_t *buf, size_t len)
{
	size_t n;

	if (!s)
		return;
	assert(fuzz_inside(s, 1, buf, len));
	n = strnlen(s, max);
	assert(n < max);
	assert(fuzz_inside(s, n + 1, buf, len));
}

static void fuzz_view_ok(const struct smpp_pdu *p, const uint8_t *buf, size_t len)
{
	assert(p->header.command_length == len && p->fault_status == 0);
	assert(p->tlv_count <= SMPP_PDU_TLVS_MAX);
	for (size_t i = 0; i < p->tlv_count; i++)
		assert(fuzz_inside(p->tlv[i].value, p->tlv[i].len, buf, len));
	switch (p->header.command_id) {
	case SMPP_BIND_RECEIVER:
	case SMPP_BIND_TRANSMITTER:
	case SMPP_BIND_TRANSCEIVER:
		fuzz_string_ok(p->body.bind.system_id, SMPP_SYSTEM_ID_MAX, buf, len);
		fuzz_string_ok(p->body.bind.password, SMPP_PASSWORD_MAX, buf, len);
		fuzz_string_ok(p->body.bind.system_type, SMPP_SYSTEM_TYPE_MAX, buf, len);
		fuzz_string_ok(p->body.bind.address_range, SMPP_ADDRESS_RANGE_MAX, buf, len);
		break;
	case SMPP_BIND_RECEIVER_RESP:
	case SMPP_BIND_TRANSMITTER_RESP:
	case SMPP_BIND_TRANSCEIVER_RESP:
		fuzz_string_ok(p->body.bind_resp.system_id, SMPP_SYSTEM_ID_MAX, buf, len);
		assert(p->body.bind_resp.system_id || p->header.command_status != 0);
		break;
	case SMPP_SUBMIT_SM:
	case SMPP_DELIVER_SM:
		fuzz_string_ok(p->body.sm.service_type, SMPP_SERVICE_TYPE_MAX, buf, len);
		fuzz_string_ok(p->body.sm.source_addr, SMPP_ADDR_MAX, buf, len);
		fuzz_string_ok(p->body.sm.destination_addr, SMPP_ADDR_MAX, buf, len);
		fuzz_string_ok(p->body.sm.schedule_delivery_time, SMPP_TIME_MAX, buf, len);
		fuzz_string_ok(p->body.sm.validity_period, SMPP_TIME_MAX, buf, len);
		assert(p->body.sm.sm_length <= SMPP_SHORT_MESSAGE_MAX);
		assert(fuzz_inside(p->body.sm.short_message, p->body.sm.sm_length, buf, len));
		break;
	case SMPP_DATA_SM:
		fuzz_string_ok(p->body.data_sm.service_type, SMPP_SERVICE_TYPE_MAX, buf, len);
		fuzz_string_ok(p->body.data_sm.source_addr, SMPP_DATA_SM_ADDR_MAX, buf, len);
		fuzz_string_ok(p->body.data_sm.destination_addr, SMPP_DATA_SM_ADDR_MAX, buf, len);
		break;
	case SMPP_SUBMIT_SM_RESP:
	case SMPP_DELIVER_SM_RESP:
	case SMPP_DATA_SM_RESP:
		fuzz_string_ok(p->body.resp.message_id, SMPP_MESSAGE_ID_MAX, buf, len);
		assert(p->body.resp.message_id || p->header.command_status != 0);
		break;
	default:
		break;
	}
}

/* The answer to a request always encodes, as the right command, and decodes. */
static void fuzz_answer_ok(const struct smpp_pdu_header *h, uint32_t status)
{
	uint8_t out[SMPP_PDU_MAX];
	struct smpp_pdu q;
	size_t n = 0;

	if (h->command_id & SMPP_RESP_BIT)
		return;
	assert(smpp_pdu_encode_answer(h, status, out, sizeof out, &n, NULL) == OG_OK);
	assert(smpp_pdu_decode(out, n, &q, NULL) == OG_OK);
	assert(q.header.sequence_number == h->sequence_number);
	assert(q.header.command_status == status);
	assert(q.header.command_id == SMPP_GENERIC_NACK ||
	       q.header.command_id == (h->command_id | SMPP_RESP_BIT));
}

static void fuzz_receipt_ok(const struct smpp_pdu *p, const uint8_t *buf, size_t len)
{
	static const enum smpp_msgid_convert converts[] = {SMPP_MSGID_KEEP, SMPP_MSGID_HEX_TO_DEC,
							   SMPP_MSGID_DEC_TO_HEX};
	struct smpp_pdu_receipt r;
	const uint8_t *text;
	char utf8[FUZZ_SMPP_TEXT_MAX];
	size_t text_len, n;
	uint8_t dc, esm;

	smpp_pdu_message(p, &text, &text_len);
	assert(fuzz_inside(text, text_len, buf, len));
	dc = p->header.command_id == SMPP_DATA_SM ? p->body.data_sm.data_coding
						  : p->body.sm.data_coding;
	esm = p->header.command_id == SMPP_DATA_SM ? p->body.data_sm.esm_class : p->body.sm.esm_class;
	(void)sms_text_decode(dc, (esm & SMPP_ESM_CLASS_UDHI) != 0, text, text_len, utf8,
			      sizeof utf8, &n, NULL);
	assert(n < sizeof utf8 && strlen(utf8) == n);
	if (p->header.command_id == SMPP_SUBMIT_SM)
		return;
	(void)smpp_pdu_receipt(p, &r, NULL);
	assert(memchr(r.message_id, '\0', sizeof r.message_id));
	if (!r.has_message_id)
		return;
	assert(r.message_id[0] != '\0');
	for (size_t i = 0; i < sizeof converts / sizeof converts[0]; i++) {
		struct smpp_msgid id;

		if (smpp_msgid_parse(r.message_id, strlen(r.message_id), converts[i], &id, NULL) !=
		    OG_OK)
			continue;
		assert(id.canonical[0] != '\0');
		assert(memchr(id.canonical, '\0', sizeof id.canonical));
		assert(strcmp(id.raw, r.message_id) == 0);
		assert(smpp_msgid_equal(&id, &id));
	}
}

static void fuzz_one(const uint8_t *buf, size_t len)
{
	uint8_t out[SMPP_PDU_MAX];
	struct smpp_pdu p, q;
	size_t n = 0;

	if (smpp_pdu_decode(buf, len, &p, NULL) != OG_OK) {
		assert(p.fault_status != 0 && p.tlv_count == 0);
		if (len >= SMPP_PDU_HEADER_LEN) {
			assert(p.header.command_length == ((uint32_t)buf[0] << 24 |
							   (uint32_t)buf[1] << 16 |
							   (uint32_t)buf[2] << 8 | buf[3]));
			fuzz_answer_ok(&p.header, p.fault_status);
		}
		return;
	}
	fuzz_view_ok(&p, buf, len);
	/* What decodes re-encodes to itself ... */
	assert(smpp_pdu_encode(&p, out, sizeof out, &n, NULL) == OG_OK);
	assert(n == len && memcmp(out, buf, len) == 0);
	/* ... and one octet short of room is an error, not an overrun. */
	{
		uint8_t *tight = malloc(len - 1);

		assert(tight);
		assert(smpp_pdu_encode(&p, tight, len - 1, &n, NULL) == OG_ERR_PAYLOAD_TOO_LARGE);
		assert(n == 0);
		free(tight);
	}
	assert(smpp_pdu_decode(out, len, &q, NULL) == OG_OK);
	assert(q.header.command_id == p.header.command_id && q.tlv_count == p.tlv_count);
	fuzz_answer_ok(&p.header, SMPP_ESME_ROK);
	fuzz_answer_ok(&p.header, SMPP_ESME_RX_T_APPN);
	if (p.header.command_id == SMPP_DELIVER_SM || p.header.command_id == SMPP_DATA_SM ||
	    p.header.command_id == SMPP_SUBMIT_SM)
		fuzz_receipt_ok(&p, buf, len);
	assert(smpp_pdu_command_name(p.header.command_id)[0] != '\0');
	assert(smpp_pdu_status_name(p.header.command_status)[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
	uint8_t *copy;

	/* As a stream: every PDU the framer delimits. */
	while (off < size) {
		size_t pdu_len = 0;

		if (smpp_pdu_frame(data + off, size - off, SMPP_PDU_MAX, &pdu_len, NULL) != OG_OK)
			break;
		if (pdu_len == 0)
			break;
		assert(pdu_len >= SMPP_PDU_HEADER_LEN && pdu_len <= size - off);
		copy = malloc(pdu_len);
		assert(copy);
		memcpy(copy, data + off, pdu_len);
		fuzz_one(copy, pdu_len);
		free(copy);
		off += pdu_len;
	}
	/* As one PDU, whatever its command_length says. */
	copy = malloc(size ? size : 1);
	assert(copy);
	memcpy(copy, data, size);
	fuzz_one(copy, size);
	free(copy);
	return 0;
}
