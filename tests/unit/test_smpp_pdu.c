/*
 * Unit tests for src/upstream/smpp_pdu: byte vectors written out from the
 * SMPP v3.4 spec (§4 layouts, §5 values) and cross-checked against the
 * encoder of the npm smpp package the test peer uses; each is decoded into
 * its fields and encoded back to the same bytes. Then the framer on partial
 * and bad streams, every way a PDU can be malformed (and the status that
 * refuses it), encoding limits, the answers to the peer's requests, and the
 * receipt TLVs in each form SMSCs send them.
 */
#include "upstream/smpp_pdu.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

/* enquire_link, sequence 1 (§4.11.1): a bare header. */
static const uint8_t v_enquire_link[] = {
    0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x15, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
};

/* bind_transceiver (§4.1.5), sequence 1: system_id "otpgate", password
 * "secret", system_type "", interface_version 0x34, addr_ton 0,
 * addr_npi 0, address_range "". 16 + 8 + 7 + 1 + 3 + 1 = 36 octets. */
static const uint8_t v_bind_trx[] = {
    0x00, 0x00, 0x00, 0x24, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    'o',  't',  'p',  'g',  'a',  't',  'e',  0x00, 's',  'e',  'c',  'r',  'e',  't',  0x00, 0x00,
    0x34, 0x00, 0x00, 0x00,
};

/* bind_transceiver_resp (§4.1.6), ESME_ROK, system_id "SMSC". */
static const uint8_t v_bind_trx_resp[] = {
    0x00, 0x00, 0x00, 0x15, 0x80, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 'S',  'M',  'S',  'C',  0x00,
};

/* bind_transceiver_resp refusing with ESME_RBINDFAIL and no body, as the
 * npm smpp server sends it. */
static const uint8_t v_bind_trx_resp_fail[] = {
    0x00, 0x00, 0x00, 0x10, 0x80, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x0D, 0x00, 0x00, 0x00, 0x01,
};

/* submit_sm (§4.4.1), sequence 2: from alphanumeric "OTPGAT" (ton 5,
 * npi 0) to "919876543210" (ton 1, npi 1), registered_delivery 1,
 * data_coding 0, short_message "hello", then the DLT TLVs 0x1400 and
 * 0x1401 with 19 digits each and no NUL. Body 40 octets, TLVs 2 x 23. */
static const uint8_t v_submit_sm[] = {
    0x00, 0x00, 0x00, 0x66, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
    0x00,                                                       /* service_type "" */
    0x05, 0x00, 'O',  'T',  'P',  'G',  'A',  'T',  0x00,       /* source */
    0x01, 0x01, '9',  '1',  '9',  '8',  '7',  '6',  '5',  '4',  '3', '2', '1', '0', 0x00, /* dest */
    0x00, 0x00, 0x00,                                           /* esm_class, protocol_id, priority */
    0x00, 0x00,                                                 /* schedule, validity "" */
    0x01, 0x00, 0x00, 0x00,                                     /* registered_delivery .. default_msg_id */
    0x05, 'h',  'e',  'l',  'l',  'o',                          /* sm_length, short_message */
    0x14, 0x00, 0x00, 0x13, '1',  '1',  '0',  '1',  '2',  '3',  '4', '5', '6', '7', '8', '9',
    '0',  '1',  '2',  '3',  '4',  '5',  '6',                    /* PE_ID */
    0x14, 0x01, 0x00, 0x13, '1',  '1',  '0',  '7',  '1',  '6',  '1', '2', '3', '4', '5', '6',
    '7',  '8',  '9',  '0',  '1',  '2',  '3',                    /* TEMPLATE_ID */
};

/* submit_sm_resp (§4.4.2), sequence 2, message_id "1001". */
static const uint8_t v_submit_sm_resp[] = {
    0x00, 0x00, 0x00, 0x15, 0x80, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x02, '1',  '0',  '0',  '1',  0x00,
};

/* submit_sm_resp refusing with ESME_RSUBMITFAIL (0x45), body left out. */
static const uint8_t v_submit_sm_resp_fail[] = {
    0x00, 0x00, 0x00, 0x10, 0x80, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x00, 0x02,
};

/* deliver_sm (§4.6.1) carrying a receipt, sequence 7: esm_class 4, the
 * receipt text, then receipted_message_id "1001" with its NUL,
 * message_state 2 (DELIVERED) and network_error_code GSM (3) error 0. */
#define V_RECEIPT_TEXT "id:1001 sub:001 dlvrd:001 submit date:2612041230 done date:2612041231 stat:DELIVRD err:000 text:"
static const uint8_t v_deliver_sm_head[] = {
    0x00, 0x00, 0x00, 0x00, /* command_length, patched in: 16 + 35 + 96 + 21 = 0xA8 */
    0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,
    0x00,                                                                       /* service_type */
    0x01, 0x01, '9',  '1',  '9',  '8',  '7',  '6',  '5',  '4',  '3', '2', '1', '0', 0x00, /* source */
    0x05, 0x00, 'O',  'T',  'P',  'G',  'A',  'T',  0x00,                       /* destination */
    0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,                       /* esm_class 4 .. default */
    96,                                                                         /* sm_length */
};
static const uint8_t v_deliver_sm_tlvs[] = {
    0x00, 0x1E, 0x00, 0x05, '1', '0', '0', '1', 0x00, /* receipted_message_id */
    0x04, 0x27, 0x00, 0x01, 0x02,                     /* message_state DELIVERED */
    0x04, 0x23, 0x00, 0x03, 0x03, 0x00, 0x00,         /* network_error_code */
};

/* deliver_sm_resp (§4.6.2), sequence 7, message_id unused (one NUL). */
static const uint8_t v_deliver_sm_resp[] = {
    0x00, 0x00, 0x00, 0x11, 0x80, 0x00, 0x00, 0x05, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00,
};

/* The same refusing with ESME_RX_T_APPN (0x64): the receipt could not be
 * stored, so the SMSC should send it again. */
static const uint8_t v_deliver_sm_resp_retry[] = {
    0x00, 0x00, 0x00, 0x11, 0x80, 0x00, 0x00, 0x05, 0x00, 0x00,
    0x00, 0x64, 0x00, 0x00, 0x00, 0x07, 0x00,
};

/* data_sm (§4.7.1), sequence 9, with its text in message_payload. */
static const uint8_t v_data_sm[] = {
    0x00, 0x00, 0x00, 0x38, 0x00, 0x00, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09,
    'W',  'A',  'P',  0x00,                                               /* service_type */
    0x01, 0x01, '9',  '1',  '9',  '8',  '7',  '6',  '5',  '4',  '3', '2', '1', '0', 0x00,
    0x00, 0x00, '5',  '5',  '5',  0x00,
    0x00, 0x01, 0x00,                                                     /* esm, reg, dc */
    0x04, 0x24, 0x00, 0x02, 'h',  'i',                                    /* message_payload */
    0x02, 0x04, 0x00, 0x02, 0x00, 0x2A,                                   /* user_message_reference */
};

/* data_sm_resp (§4.7.2), sequence 9, message_id "". */
static const uint8_t v_data_sm_resp[] = {
    0x00, 0x00, 0x00, 0x11, 0x80, 0x00, 0x01, 0x03, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x00,
};

/* generic_nack (§4.3.1), ESME_RINVCMDID, sequence 9. */
static const uint8_t v_generic_nack[] = {
    0x00, 0x00, 0x00, 0x10, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x09,
};

/* unbind and unbind_resp (§4.2), sequence 3. */
static const uint8_t v_unbind[] = {
    0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
};
static const uint8_t v_unbind_resp[] = {
    0x00, 0x00, 0x00, 0x10, 0x80, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
};

#define BUF_MAX SMPP_PDU_MAX

/* Builds the receipt deliver_sm into buf; returns its length. */
static size_t build_deliver_sm(uint8_t *buf)
{
	size_t len = 0;

	memcpy(buf, v_deliver_sm_head, sizeof v_deliver_sm_head);
	len += sizeof v_deliver_sm_head;
	memcpy(buf + len, V_RECEIPT_TEXT, strlen(V_RECEIPT_TEXT));
	len += strlen(V_RECEIPT_TEXT);
	memcpy(buf + len, v_deliver_sm_tlvs, sizeof v_deliver_sm_tlvs);
	len += sizeof v_deliver_sm_tlvs;
	buf[3] = (uint8_t)len;
	return len;
}

/* Decodes v, expecting success, and checks it encodes back to v. */
static void round_trip(const uint8_t *v, size_t len, struct smpp_pdu *p)
{
	uint8_t out[BUF_MAX];
	struct og_detail d;
	size_t n = 0;

	memset(&d, 0, sizeof d);
	if (smpp_pdu_decode(v, len, p, &d) != OG_OK)
		fail_msg("decode failed: %s", d.message);
	assert_int_equal(p->header.command_length, len);
	assert_int_equal(p->fault_status, 0);
	assert_int_equal(smpp_pdu_encode(p, out, sizeof out, &n, &d), OG_OK);
	assert_int_equal(n, len);
	assert_memory_equal(out, v, len);
}

/* Decodes v of len octets, expecting err and the fault status. */
static void expect_bad(const uint8_t *v, size_t len, enum og_err err, uint32_t fault)
{
	struct smpp_pdu p;
	struct og_detail d;

	memset(&d, 0, sizeof d);
	assert_int_equal(smpp_pdu_decode(v, len, &p, &d), err);
	assert_int_equal(p.fault_status, fault);
	assert_true(d.message[0] != '\0');
	/* Nothing of the body survives a failure. */
	assert_int_equal(p.tlv_count, 0);
	assert_null(p.body.sm.service_type);
}

static void test_enquire_link_unbind_nack(void **state)
{
	struct smpp_pdu p;

	(void)state;
	round_trip(v_enquire_link, sizeof v_enquire_link, &p);
	assert_int_equal(p.header.command_id, SMPP_ENQUIRE_LINK);
	assert_int_equal(p.header.sequence_number, 1);
	round_trip(v_unbind, sizeof v_unbind, &p);
	assert_int_equal(p.header.command_id, SMPP_UNBIND);
	round_trip(v_unbind_resp, sizeof v_unbind_resp, &p);
	assert_int_equal(p.header.command_id, SMPP_UNBIND_RESP);
	round_trip(v_generic_nack, sizeof v_generic_nack, &p);
	assert_int_equal(p.header.command_id, SMPP_GENERIC_NACK);
	assert_int_equal(p.header.command_status, SMPP_ESME_RINVCMDID);
	assert_int_equal(p.header.sequence_number, 9);
}

static void test_bind(void **state)
{
	struct smpp_pdu p;
	uint8_t out[BUF_MAX];
	size_t n;

	(void)state;
	round_trip(v_bind_trx, sizeof v_bind_trx, &p);
	assert_int_equal(p.header.command_id, SMPP_BIND_TRANSCEIVER);
	assert_string_equal(p.body.bind.system_id, "otpgate");
	assert_string_equal(p.body.bind.password, "secret");
	assert_string_equal(p.body.bind.system_type, "");
	assert_int_equal(p.body.bind.interface_version, SMPP_INTERFACE_VERSION);
	assert_string_equal(p.body.bind.address_range, "");

	/* Built from scratch, NULL strings going out empty. */
	smpp_pdu_init(&p, SMPP_BIND_TRANSCEIVER, 0, 1);
	p.body.bind.system_id = "otpgate";
	p.body.bind.password = "secret";
	p.body.bind.interface_version = SMPP_INTERFACE_VERSION;
	assert_int_equal(smpp_pdu_encode(&p, out, sizeof out, &n, NULL), OG_OK);
	assert_int_equal(n, sizeof v_bind_trx);
	assert_memory_equal(out, v_bind_trx, n);

	/* The other two binds differ in command_id alone. */
	p.header.command_id = SMPP_BIND_TRANSMITTER;
	assert_int_equal(smpp_pdu_encode(&p, out, sizeof out, &n, NULL), OG_OK);
	assert_int_equal(out[7], 0x02);
	p.header.command_id = SMPP_BIND_RECEIVER;
	assert_int_equal(smpp_pdu_encode(&p, out, sizeof out, &n, NULL), OG_OK);
	assert_int_equal(out[7], 0x01);
	assert_memory_equal(out + 8, v_bind_trx + 8, sizeof v_bind_trx - 8);
}

static void test_bind_resp(void **state)
{
	struct smpp_pdu p;

	(void)state;
	round_trip(v_bind_trx_resp, sizeof v_bind_trx_resp, &p);
	assert_int_equal(p.header.command_id, SMPP_BIND_TRANSCEIVER_RESP);
	assert_int_equal(p.header.command_status, SMPP_ESME_ROK);
	assert_string_equal(p.body.bind_resp.system_id, "SMSC");

	round_trip(v_bind_trx_resp_fail, sizeof v_bind_trx_resp_fail, &p);
	assert_int_equal(p.header.command_status, SMPP_ESME_RBINDFAIL);
	assert_null(p.body.bind_resp.system_id);
}

static void test_bind_resp_with_sc_interface_version(void **state)
{
	static const uint8_t v[] = {
	    0x00, 0x00, 0x00, 0x1A, 0x80, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x01, 'S',  'M',  'S',  'C',  0x00, 0x02, 0x10, 0x00, 0x01, 0x34,
	};
	struct smpp_pdu p;
	const struct smpp_pdu_tlv *t;

	(void)state;
	round_trip(v, sizeof v, &p);
	assert_int_equal(p.tlv_count, 1);
	t = smpp_pdu_tlv_find(&p, SMPP_TLV_SC_INTERFACE_VERSION);
	assert_non_null(t);
	assert_int_equal(t->len, 1);
	assert_int_equal(t->value[0], 0x34);
}

static void test_submit_sm(void **state)
{
	struct smpp_pdu p;
	const struct smpp_pdu_tlv *t;
	uint8_t out[BUF_MAX];
	size_t n;

	(void)state;
	round_trip(v_submit_sm, sizeof v_submit_sm, &p);
	assert_int_equal(p.header.command_id, SMPP_SUBMIT_SM);
	assert_int_equal(p.header.sequence_number, 2);
	assert_string_equal(p.body.sm.service_type, "");
	assert_int_equal(p.body.sm.source_addr_ton, 5);
	assert_int_equal(p.body.sm.source_addr_npi, 0);
	assert_string_equal(p.body.sm.source_addr, "OTPGAT");
	assert_int_equal(p.body.sm.dest_addr_ton, 1);
	assert_int_equal(p.body.sm.dest_addr_npi, 1);
	assert_string_equal(p.body.sm.destination_addr, "919876543210");
	assert_int_equal(p.body.sm.esm_class, 0);
	assert_string_equal(p.body.sm.schedule_delivery_time, "");
	assert_string_equal(p.body.sm.validity_period, "");
	assert_int_equal(p.body.sm.registered_delivery, SMPP_REGISTERED_DELIVERY_FINAL);
	assert_int_equal(p.body.sm.data_coding, 0);
	assert_int_equal(p.body.sm.sm_length, 5);
	assert_memory_equal(p.body.sm.short_message, "hello", 5);
	assert_int_equal(p.tlv_count, 2);
	t = smpp_pdu_tlv_find(&p, SMPP_TLV_DLT_PE_ID_DEFAULT);
	assert_non_null(t);
	assert_int_equal(t->len, 19);
	assert_memory_equal(t->value, "1101234567890123456", 19);
	t = smpp_pdu_tlv_find(&p, SMPP_TLV_DLT_TEMPLATE_ID_DEFAULT);
	assert_non_null(t);
	assert_memory_equal(t->value, "1107161234567890123", 19);
	assert_null(smpp_pdu_tlv_find(&p, SMPP_TLV_MESSAGE_PAYLOAD));

	/* Built from scratch the way the client will build it. */
	smpp_pdu_init(&p, SMPP_SUBMIT_SM, 0, 2);
	p.body.sm.source_addr_ton = 5;
	p.body.sm.source_addr = "OTPGAT";
	p.body.sm.dest_addr_ton = 1;
	p.body.sm.dest_addr_npi = 1;
	p.body.sm.destination_addr = "919876543210";
	p.body.sm.registered_delivery = SMPP_REGISTERED_DELIVERY_FINAL;
	p.body.sm.sm_length = 5;
	p.body.sm.short_message = (const uint8_t *)"hello";
	assert_int_equal(smpp_pdu_tlv_add(&p, SMPP_TLV_DLT_PE_ID_DEFAULT, "1101234567890123456", 19),
			 OG_OK);
	assert_int_equal(
	    smpp_pdu_tlv_add(&p, SMPP_TLV_DLT_TEMPLATE_ID_DEFAULT, "1107161234567890123", 19), OG_OK);
	assert_int_equal(smpp_pdu_encode(&p, out, sizeof out, &n, NULL), OG_OK);
	assert_int_equal(n, sizeof v_submit_sm);
	assert_memory_equal(out, v_submit_sm, n);
}

static void test_submit_sm_full_fields(void **state)
{
	uint8_t sm[SMPP_SHORT_MESSAGE_MAX];
	uint8_t out[BUF_MAX];
	struct smpp_pdu p, q;
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof sm; i++)
		sm[i] = (uint8_t)i;
	smpp_pdu_init(&p, SMPP_SUBMIT_SM, 0, 0x7FFFFFFF);
	p.body.sm.service_type = "CMT12";                /* 5 + NUL: the width */
	p.body.sm.source_addr = "12345678901234567890";  /* 20 + NUL */
	p.body.sm.destination_addr = "98765432109876543210";
	p.body.sm.esm_class = 0x43;
	p.body.sm.protocol_id = 0x7F;
	p.body.sm.priority_flag = 3;
	p.body.sm.schedule_delivery_time = "261204123000000+";
	p.body.sm.validity_period = "000001000000000R";
	p.body.sm.registered_delivery = 0x11;
	p.body.sm.replace_if_present_flag = 1;
	p.body.sm.data_coding = 8;
	p.body.sm.sm_default_msg_id = 0xFF;
	p.body.sm.sm_length = SMPP_SHORT_MESSAGE_MAX;
	p.body.sm.short_message = sm;
	assert_int_equal(smpp_pdu_encode(&p, out, sizeof out, &n, NULL), OG_OK);
	assert_int_equal(smpp_pdu_decode(out, n, &q, NULL), OG_OK);
	assert_string_equal(q.body.sm.service_type, "CMT12");
	assert_string_equal(q.body.sm.source_addr, "12345678901234567890");
	assert_string_equal(q.body.sm.destination_addr, "98765432109876543210");
	assert_int_equal(q.body.sm.esm_class, 0x43);
	assert_int_equal(q.body.sm.protocol_id, 0x7F);
	assert_int_equal(q.body.sm.priority_flag, 3);
	assert_string_equal(q.body.sm.schedule_delivery_time, "261204123000000+");
	assert_string_equal(q.body.sm.validity_period, "000001000000000R");
	assert_int_equal(q.body.sm.registered_delivery, 0x11);
	assert_int_equal(q.body.sm.replace_if_present_flag, 1);
	assert_int_equal(q.body.sm.data_coding, 8);
	assert_int_equal(q.body.sm.sm_default_msg_id, 0xFF);
	assert_int_equal(q.body.sm.sm_length, SMPP_SHORT_MESSAGE_MAX);
	assert_memory_equal(q.body.sm.short_message, sm, sizeof sm);
	assert_int_equal(q.header.sequence_number, 0x7FFFFFFF);
}

static void test_submit_sm_resp(void **state)
{
	struct smpp_pdu p;

	(void)state;
	round_trip(v_submit_sm_resp, sizeof v_submit_sm_resp, &p);
	assert_int_equal(p.header.command_id, SMPP_SUBMIT_SM_RESP);
	assert_string_equal(p.body.resp.message_id, "1001");

	round_trip(v_submit_sm_resp_fail, sizeof v_submit_sm_resp_fail, &p);
	assert_int_equal(p.header.command_status, SMPP_ESME_RSUBMITFAIL);
	assert_null(p.body.resp.message_id);
}

static void test_deliver_sm_receipt(void **state)
{
	uint8_t v[BUF_MAX];
	size_t len = build_deliver_sm(v);
	struct smpp_pdu_receipt r;
	const uint8_t *text;
	struct smpp_pdu p;
	size_t text_len;

	(void)state;
	assert_int_equal(len, 0xA8);
	round_trip(v, len, &p);
	assert_int_equal(p.header.command_id, SMPP_DELIVER_SM);
	assert_int_equal(p.header.sequence_number, 7);
	assert_string_equal(p.body.sm.source_addr, "919876543210");
	assert_string_equal(p.body.sm.destination_addr, "OTPGAT");
	assert_int_equal(p.body.sm.esm_class, SMPP_ESM_CLASS_RECEIPT);
	assert_int_equal(p.tlv_count, 3);
	smpp_pdu_message(&p, &text, &text_len);
	assert_int_equal(text_len, strlen(V_RECEIPT_TEXT));
	assert_memory_equal(text, V_RECEIPT_TEXT, text_len);

	assert_int_equal(smpp_pdu_receipt(&p, &r, NULL), OG_OK);
	assert_true(r.is_receipt);
	assert_true(r.has_message_id);
	assert_string_equal(r.message_id, "1001");
	assert_true(r.has_message_state);
	assert_int_equal(r.message_state, SMPP_MESSAGE_STATE_DELIVERED);
	assert_true(r.has_network_error);
	assert_false(r.network_error_ascii);
	assert_int_equal(r.network_type, 3);
	assert_int_equal(r.network_error, 0);
}

static void test_deliver_sm_resp(void **state)
{
	struct smpp_pdu p;

	(void)state;
	round_trip(v_deliver_sm_resp, sizeof v_deliver_sm_resp, &p);
	assert_int_equal(p.header.command_id, SMPP_DELIVER_SM_RESP);
	assert_string_equal(p.body.resp.message_id, "");
	round_trip(v_deliver_sm_resp_retry, sizeof v_deliver_sm_resp_retry, &p);
	assert_int_equal(p.header.command_status, SMPP_ESME_RX_T_APPN);
}

static void test_data_sm(void **state)
{
	const uint8_t *text;
	struct smpp_pdu p;
	size_t len;

	(void)state;
	round_trip(v_data_sm, sizeof v_data_sm, &p);
	assert_int_equal(p.header.command_id, SMPP_DATA_SM);
	assert_string_equal(p.body.data_sm.service_type, "WAP");
	assert_string_equal(p.body.data_sm.source_addr, "919876543210");
	assert_string_equal(p.body.data_sm.destination_addr, "555");
	assert_int_equal(p.body.data_sm.registered_delivery, 1);
	assert_int_equal(p.tlv_count, 2);
	smpp_pdu_message(&p, &text, &len);
	assert_int_equal(len, 2);
	assert_memory_equal(text, "hi", 2);
	round_trip(v_data_sm_resp, sizeof v_data_sm_resp, &p);
	assert_string_equal(p.body.resp.message_id, "");
}

static void test_data_sm_long_addresses(void **state)
{
	char addr[SMPP_DATA_SM_ADDR_MAX + 1];
	uint8_t out[BUF_MAX];
	struct smpp_pdu p, q;
	size_t n;

	(void)state;
	memset(addr, '7', sizeof addr);
	addr[SMPP_DATA_SM_ADDR_MAX - 1] = '\0'; /* 64 characters fit data_sm */
	smpp_pdu_init(&p, SMPP_DATA_SM, 0, 4);
	p.body.data_sm.source_addr = addr;
	p.body.data_sm.destination_addr = addr;
	assert_int_equal(smpp_pdu_encode(&p, out, sizeof out, &n, NULL), OG_OK);
	assert_int_equal(smpp_pdu_decode(out, n, &q, NULL), OG_OK);
	assert_string_equal(q.body.data_sm.source_addr, addr);
	/* ... but not submit_sm, whose addresses are 20 at most. */
	smpp_pdu_init(&p, SMPP_SUBMIT_SM, 0, 4);
	p.body.sm.destination_addr = addr;
	assert_int_equal(smpp_pdu_encode(&p, out, sizeof out, &n, NULL), OG_ERR_PAYLOAD_TOO_LARGE);
	addr[SMPP_DATA_SM_ADDR_MAX - 1] = '7'; /* 65: too long for data_sm too */
	addr[SMPP_DATA_SM_ADDR_MAX] = '\0';
	smpp_pdu_init(&p, SMPP_DATA_SM, 0, 4);
	p.body.data_sm.source_addr = addr;
	assert_int_equal(smpp_pdu_encode(&p, out, sizeof out, &n, NULL), OG_ERR_PAYLOAD_TOO_LARGE);
}

static void test_frame(void **state)
{
	uint8_t stream[64];
	size_t pdu_len = 99;
	struct og_detail d;

	(void)state;
	memcpy(stream, v_submit_sm_resp, sizeof v_submit_sm_resp);
	memcpy(stream + sizeof v_submit_sm_resp, v_enquire_link, sizeof v_enquire_link);
	/* Nothing, and less than a length. */
	assert_int_equal(smpp_pdu_frame(stream, 0, SMPP_PDU_MAX, &pdu_len, NULL), OG_OK);
	assert_int_equal(pdu_len, 0);
	assert_int_equal(smpp_pdu_frame(stream, 3, SMPP_PDU_MAX, &pdu_len, NULL), OG_OK);
	assert_int_equal(pdu_len, 0);
	/* Every prefix short of the whole PDU asks for more. */
	for (size_t n = 4; n < sizeof v_submit_sm_resp; n++) {
		assert_int_equal(smpp_pdu_frame(stream, n, SMPP_PDU_MAX, &pdu_len, NULL), OG_OK);
		assert_int_equal(pdu_len, 0);
	}
	/* Whole, and with the next PDU behind it. */
	assert_int_equal(smpp_pdu_frame(stream, sizeof v_submit_sm_resp, SMPP_PDU_MAX, &pdu_len, NULL),
			 OG_OK);
	assert_int_equal(pdu_len, sizeof v_submit_sm_resp);
	assert_int_equal(smpp_pdu_frame(stream, sizeof stream, SMPP_PDU_MAX, &pdu_len, NULL), OG_OK);
	assert_int_equal(pdu_len, sizeof v_submit_sm_resp);
	assert_int_equal(smpp_pdu_frame(stream + pdu_len, sizeof v_enquire_link, SMPP_PDU_MAX,
					&pdu_len, NULL),
			 OG_OK);
	assert_int_equal(pdu_len, 16);

	/* command_length under the header, or over the caller's maximum. */
	memset(&d, 0, sizeof d);
	stream[0] = stream[1] = stream[2] = 0;
	stream[3] = 15;
	assert_int_equal(smpp_pdu_frame(stream, 4, SMPP_PDU_MAX, &pdu_len, &d), OG_ERR_INVALID_REQUEST);
	assert_string_equal(d.field, "smpp.command_length");
	stream[3] = 0;
	assert_int_equal(smpp_pdu_frame(stream, 4, SMPP_PDU_MAX, &pdu_len, NULL),
			 OG_ERR_INVALID_REQUEST);
	stream[3] = 0x21;
	assert_int_equal(smpp_pdu_frame(stream, 4, 0x20, &pdu_len, NULL), OG_ERR_PAYLOAD_TOO_LARGE);
	assert_int_equal(smpp_pdu_frame(stream, 4, 0x21, &pdu_len, NULL), OG_OK);
	stream[0] = 0x80; /* 2 GiB: a peer speaking something else */
	assert_int_equal(smpp_pdu_frame(stream, 4, SMPP_PDU_MAX, &pdu_len, NULL),
			 OG_ERR_PAYLOAD_TOO_LARGE);
	stream[0] = 0x00;
	stream[2] = 0x20;
	stream[3] = 0x01; /* SMPP_PDU_MAX + 1 */
	assert_int_equal(smpp_pdu_frame(stream, 4, SMPP_PDU_MAX, &pdu_len, NULL),
			 OG_ERR_PAYLOAD_TOO_LARGE);
	assert_int_equal(pdu_len, 0);
}

static void test_bad_lengths(void **state)
{
	uint8_t *big;
	uint8_t v[64];

	(void)state;
	/* Shorter than a header, down to nothing. */
	for (size_t n = 0; n < SMPP_PDU_HEADER_LEN; n++)
		expect_bad(v_enquire_link, n, OG_ERR_INVALID_REQUEST, SMPP_ESME_RINVCMDLEN);
	/* command_length disagrees with the octets given, either way. */
	memcpy(v, v_enquire_link, 16);
	v[3] = 0x11;
	expect_bad(v, 16, OG_ERR_INVALID_REQUEST, SMPP_ESME_RINVCMDLEN);
	memcpy(v, v_submit_sm_resp, sizeof v_submit_sm_resp);
	expect_bad(v, sizeof v_submit_sm_resp - 1, OG_ERR_INVALID_REQUEST, SMPP_ESME_RINVCMDLEN);
	/* Over SMPP_PDU_MAX, even when self-consistent. */
	big = calloc(1, SMPP_PDU_MAX + 1);
	assert_non_null(big);
	memcpy(big, v_submit_sm_resp, sizeof v_submit_sm_resp);
	big[0] = 0;
	big[1] = 0;
	big[2] = 0x20;
	big[3] = 0x01;
	expect_bad(big, SMPP_PDU_MAX + 1, OG_ERR_PAYLOAD_TOO_LARGE, SMPP_ESME_RINVCMDLEN);
	free(big);
	/* A bodyless PDU with a body. */
	memcpy(v, v_enquire_link, 16);
	v[3] = 20;
	memset(v + 16, 0, 4);
	expect_bad(v, 20, OG_ERR_INVALID_REQUEST, SMPP_ESME_RINVCMDLEN);
	/* A bind with octets after address_range (binds carry no TLVs). */
	memcpy(v, v_bind_trx, sizeof v_bind_trx);
	memcpy(v + sizeof v_bind_trx, "\x02\x10\x00\x01\x34", 5);
	v[3] = sizeof v_bind_trx + 5;
	expect_bad(v, sizeof v_bind_trx + 5, OG_ERR_INVALID_REQUEST, SMPP_ESME_RINVCMDLEN);
}

static void test_bad_command(void **state)
{
	uint8_t v[16];
	struct smpp_pdu p;

	(void)state;
	memcpy(v, v_enquire_link, 16);
	v[7] = 0x99; /* no such command */
	expect_bad(v, 16, OG_ERR_INVALID_REQUEST, SMPP_ESME_RINVCMDID);
	/* The header survives, so the caller can nack with the sequence. */
	assert_int_equal(smpp_pdu_decode(v, 16, &p, NULL), OG_ERR_INVALID_REQUEST);
	assert_int_equal(p.header.command_id, 0x99);
	assert_int_equal(p.header.sequence_number, 1);
	v[7] = 0x03; /* query_sm: real, but not ours to decode */
	expect_bad(v, 16, OG_ERR_INVALID_REQUEST, SMPP_ESME_RINVCMDID);
	v[4] = 0x80; /* query_sm_resp */
	expect_bad(v, 16, OG_ERR_INVALID_REQUEST, SMPP_ESME_RINVCMDID);
	v[4] = 0x00;
	v[6] = 0x01;
	v[7] = 0x02; /* alert_notification */
	expect_bad(v, 16, OG_ERR_INVALID_REQUEST, SMPP_ESME_RINVCMDID);
}

static void test_bad_strings(void **state)
{
	uint8_t v[128];
	size_t len;

	(void)state;
	/* system_id of 16 characters: no NUL within its 16 octets. */
	memcpy(v, v_bind_trx, 16);
	len = 16;
	memcpy(v + len, "abcdefghijklmnop", 16);
	len += 16;
	memcpy(v + len, "\0secret\0\0\x34\0\0\0", 13);
	len += 13;
	v[3] = (uint8_t)len;
	expect_bad(v, len, OG_ERR_INVALID_REQUEST, SMPP_ESME_RINVSYSID);
	/* password of 9 characters. */
	memcpy(v, v_bind_trx, 24);
	len = 24;
	memcpy(v + len, "123456789\0\0\x34\0\0\0", 15);
	len += 15;
	v[3] = (uint8_t)len;
	expect_bad(v, len, OG_ERR_INVALID_REQUEST, SMPP_ESME_RINVPASWD);
	/* The PDU ends inside system_id, and before interface_version. */
	memcpy(v, v_bind_trx, 20);
	v[3] = 20;
	expect_bad(v, 20, OG_ERR_INVALID_REQUEST, SMPP_ESME_RINVCMDLEN);
	memcpy(v, v_bind_trx, 32);
	v[3] = 32;
	expect_bad(v, 32, OG_ERR_INVALID_REQUEST, SMPP_ESME_RINVCMDLEN);
	/* message_id of 65 characters in a submit_sm_resp. */
	memcpy(v, v_submit_sm_resp, 16);
	memset(v + 16, 'A', 65);
	v[16 + 65] = 0;
	v[3] = 16 + 66;
	expect_bad(v, 16 + 66, OG_ERR_INVALID_REQUEST, SMPP_ESME_RINVMSGID);
	/* 64 characters are the most it holds. */
	v[16 + 64] = 0;
	v[3] = 16 + 65;
	assert_int_equal(smpp_pdu_decode(v, 16 + 65, &(struct smpp_pdu){0}, NULL), OG_OK);
	/* A refusal with no message_id is fine, an acceptance is not. */
	memcpy(v, v_submit_sm_resp_fail, 16);
	v[11] = 0;
	expect_bad(v, 16, OG_ERR_INVALID_REQUEST, SMPP_ESME_RINVCMDLEN);
}

/* Copies v_submit_sm's first 16 + prefix octets into v, then rest, and
 * fixes command_length; returns the length. */
static size_t splice(uint8_t *v, size_t prefix, const void *rest, size_t rest_len)
{
	memcpy(v, v_submit_sm, 16 + prefix);
	memcpy(v + 16 + prefix, rest, rest_len);
	v[2] = (uint8_t)((16 + prefix + rest_len) >> 8);
	v[3] = (uint8_t)(16 + prefix + rest_len);
	return 16 + prefix + rest_len;
}

static void test_bad_submit_sm(void **state)
{
	uint8_t v[BUF_MAX];
	uint8_t tail[512];
	size_t len;
	const size_t addrs = 1 + 2 + 7 + 2 + 13; /* service_type .. destination_addr */

	(void)state;
	/* source_addr of 21 characters. */
	len = splice(v, 3, "123456789012345678901\0", 22);
	expect_bad(v, len, OG_ERR_INVALID_REQUEST, SMPP_ESME_RINVSRCADR);
	/* destination_addr of 21 characters. */
	len = splice(v, 12, "123456789012345678901\0", 22);
	expect_bad(v, len, OG_ERR_INVALID_REQUEST, SMPP_ESME_RINVDSTADR);
	/* service_type of 6. */
	len = splice(v, 0, "ABCDEF\0", 7);
	expect_bad(v, len, OG_ERR_INVALID_REQUEST, SMPP_ESME_RINVSERTYP);
	/* schedule_delivery_time of 5 characters, validity_period of 17. */
	memcpy(tail, "\0\0\0" "26120\0" "\0" "\1\0\0\0" "\0", 15);
	len = splice(v, addrs, tail, 15);
	expect_bad(v, len, OG_ERR_INVALID_REQUEST, SMPP_ESME_RINVSCHED);
	memcpy(tail, "\0\0\0" "\0" "26120412300000000\0" "\1\0\0\0" "\0", 27);
	len = splice(v, addrs, tail, 27);
	expect_bad(v, len, OG_ERR_INVALID_REQUEST, SMPP_ESME_RINVEXPIRY);
	/* sm_length 255, and sm_length past the end. */
	memset(tail, 'x', sizeof tail);
	memcpy(tail, "\0\0\0\0\0\1\0\0\0\xFF", 10);
	len = splice(v, addrs, tail, 10 + 255);
	expect_bad(v, len, OG_ERR_INVALID_REQUEST, SMPP_ESME_RINVMSGLEN);
	memcpy(tail, "\0\0\0\0\0\1\0\0\0\x06hello", 15);
	len = splice(v, addrs, tail, 15);
	expect_bad(v, len, OG_ERR_INVALID_REQUEST, SMPP_ESME_RINVMSGLEN);
	/* Truncated just before sm_length. */
	len = splice(v, addrs, tail, 9);
	expect_bad(v, len, OG_ERR_INVALID_REQUEST, SMPP_ESME_RINVCMDLEN);
}

static void test_bad_tlvs(void **state)
{
	const size_t body = 40; /* v_submit_sm's mandatory fields */
	uint8_t v[BUF_MAX];
	uint8_t tlvs[SMPP_PDU_TLVS_MAX * 5 + 5];
	size_t len;

	(void)state;
	/* 1, 2 and 3 stray octets where a TLV header should be. */
	for (size_t n = 1; n < 4; n++) {
		len = splice(v, body, "\x14\x00\x00", n);
		expect_bad(v, len, OG_ERR_INVALID_REQUEST, SMPP_ESME_RINVOPTPARSTREAM);
	}
	/* A value longer than what is left, by one. */
	len = splice(v, body, "\x14\x00\x00\x04" "abc", 7);
	expect_bad(v, len, OG_ERR_INVALID_REQUEST, SMPP_ESME_RINVOPTPARSTREAM);
	/* ... and by 65535. */
	len = splice(v, body, "\x14\x00\xFF\xFF", 4);
	expect_bad(v, len, OG_ERR_INVALID_REQUEST, SMPP_ESME_RINVOPTPARSTREAM);
	/* A good TLV, then a cut one. */
	len = splice(v, body, "\x14\x00\x00\x01" "1" "\x14\x01\x00\x02" "1", 10);
	expect_bad(v, len, OG_ERR_INVALID_REQUEST, SMPP_ESME_RINVOPTPARSTREAM);
	/* Empty TLVs are fine: SMPP_PDU_TLVS_MAX of them, but not one more. */
	for (size_t i = 0; i <= SMPP_PDU_TLVS_MAX; i++)
		memcpy(tlvs + 4 * i, "\x05\x00\x00\x00", 4);
	len = splice(v, body, tlvs, 4 * SMPP_PDU_TLVS_MAX);
	assert_int_equal(smpp_pdu_decode(v, len, &(struct smpp_pdu){0}, NULL), OG_OK);
	len = splice(v, body, tlvs, 4 * (SMPP_PDU_TLVS_MAX + 1));
	expect_bad(v, len, OG_ERR_PAYLOAD_TOO_LARGE, SMPP_ESME_RINVOPTPARSTREAM);
}

/* Every prefix of a good PDU, declared as whole, is refused cleanly: the
 * decoder never reads past what it was given (ASan checks the reads). */
static void test_every_truncation(void **state)
{
	uint8_t deliver[BUF_MAX];
	const struct {
		const uint8_t *v;
		size_t len;
	} vectors[] = {
	    {v_bind_trx, sizeof v_bind_trx},         {v_bind_trx_resp, sizeof v_bind_trx_resp},
	    {v_submit_sm, sizeof v_submit_sm},       {v_submit_sm_resp, sizeof v_submit_sm_resp},
	    {v_data_sm, sizeof v_data_sm},           {v_deliver_sm_resp, sizeof v_deliver_sm_resp},
	    {deliver, build_deliver_sm(deliver)},
	};

	(void)state;
	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		for (size_t n = SMPP_PDU_HEADER_LEN; n < vectors[i].len; n++) {
			uint8_t *copy = malloc(n);
			struct smpp_pdu p;

			assert_non_null(copy);
			memcpy(copy, vectors[i].v, n);
			copy[0] = (uint8_t)(n >> 24);
			copy[1] = (uint8_t)(n >> 16);
			copy[2] = (uint8_t)(n >> 8);
			copy[3] = (uint8_t)n;
			/* A cut that lands on a field or TLV boundary may still
			 * be a valid PDU; anything else must be refused. */
			if (smpp_pdu_decode(copy, n, &p, NULL) == OG_OK) {
				uint8_t out[BUF_MAX];
				size_t m;

				assert_int_equal(smpp_pdu_encode(&p, out, sizeof out, &m, NULL), OG_OK);
				assert_int_equal(m, n);
				assert_memory_equal(out, copy, n);
			} else {
				assert_int_not_equal(p.fault_status, 0);
			}
			free(copy);
		}
	}
}

static void test_encode_limits(void **state)
{
	static uint8_t value[255];
	uint8_t out[BUF_MAX];
	struct og_detail d;
	struct smpp_pdu p;
	size_t n = 99;

	(void)state;
	/* The caller's buffer: exactly enough works, one octet less does not. */
	assert_int_equal(smpp_pdu_decode(v_submit_sm, sizeof v_submit_sm, &p, NULL), OG_OK);
	assert_int_equal(smpp_pdu_encode(&p, out, sizeof v_submit_sm, &n, NULL), OG_OK);
	assert_int_equal(n, sizeof v_submit_sm);
	for (size_t max = 0; max < sizeof v_submit_sm; max++) {
		assert_int_equal(smpp_pdu_encode(&p, out, max, &n, NULL), OG_ERR_PAYLOAD_TOO_LARGE);
		assert_int_equal(n, 0);
	}
	/* SMPP_PDU_MAX, whatever the buffer: 32 TLVs of 255 octets is 8288. */
	smpp_pdu_init(&p, SMPP_SUBMIT_SM, 0, 1);
	for (size_t i = 0; i < SMPP_PDU_TLVS_MAX; i++)
		assert_int_equal(smpp_pdu_tlv_add(&p, 0x1400, value, sizeof value), OG_OK);
	assert_int_equal(smpp_pdu_tlv_add(&p, 0x1400, value, 1), OG_ERR_PAYLOAD_TOO_LARGE);
	{
		uint8_t *huge = malloc(2 * SMPP_PDU_MAX);

		assert_non_null(huge);
		assert_int_equal(smpp_pdu_encode(&p, huge, 2 * SMPP_PDU_MAX, &n, NULL),
				 OG_ERR_PAYLOAD_TOO_LARGE);
		free(huge);
	}
	/* Fields over their widths, and times of the wrong length. */
	memset(&d, 0, sizeof d);
	smpp_pdu_init(&p, SMPP_BIND_TRANSMITTER, 0, 1);
	p.body.bind.system_id = "abcdefghijklmnop";
	assert_int_equal(smpp_pdu_encode(&p, out, sizeof out, &n, &d), OG_ERR_PAYLOAD_TOO_LARGE);
	assert_non_null(strstr(d.message, "system_id"));
	p.body.bind.system_id = "abcdefghijklmno";
	assert_int_equal(smpp_pdu_encode(&p, out, sizeof out, &n, NULL), OG_OK);
	p.body.bind.password = "123456789";
	assert_int_equal(smpp_pdu_encode(&p, out, sizeof out, &n, NULL), OG_ERR_PAYLOAD_TOO_LARGE);
	smpp_pdu_init(&p, SMPP_SUBMIT_SM, 0, 1);
	p.body.sm.validity_period = "0000010000R";
	assert_int_equal(smpp_pdu_encode(&p, out, sizeof out, &n, NULL), OG_ERR_INVALID_REQUEST);
	p.body.sm.validity_period = NULL;
	p.body.sm.sm_length = 255;
	p.body.sm.short_message = value;
	assert_int_equal(smpp_pdu_encode(&p, out, sizeof out, &n, NULL), OG_ERR_PAYLOAD_TOO_LARGE);
	/* TLVs where the command takes none. */
	smpp_pdu_init(&p, SMPP_ENQUIRE_LINK, 0, 1);
	assert_int_equal(smpp_pdu_tlv_add(&p, 0x0210, "\x34", 1), OG_OK);
	assert_int_equal(smpp_pdu_encode(&p, out, sizeof out, &n, NULL), OG_ERR_INVALID_REQUEST);
}

static void test_encode_resp_body(void **state)
{
	uint8_t out[BUF_MAX];
	struct smpp_pdu p;
	size_t n;

	(void)state;
	/* NULL message_id: left out on a refusal, empty on an acceptance. */
	smpp_pdu_init(&p, SMPP_SUBMIT_SM_RESP, SMPP_ESME_RSUBMITFAIL, 2);
	assert_int_equal(smpp_pdu_encode(&p, out, sizeof out, &n, NULL), OG_OK);
	assert_int_equal(n, sizeof v_submit_sm_resp_fail);
	assert_memory_equal(out, v_submit_sm_resp_fail, n);
	smpp_pdu_init(&p, SMPP_DELIVER_SM_RESP, 0, 7);
	assert_int_equal(smpp_pdu_encode(&p, out, sizeof out, &n, NULL), OG_OK);
	assert_int_equal(n, sizeof v_deliver_sm_resp);
	assert_memory_equal(out, v_deliver_sm_resp, n);
	/* A refusal with TLVs keeps its body, so the TLVs cannot pass for it. */
	smpp_pdu_init(&p, SMPP_SUBMIT_SM_RESP, SMPP_ESME_RSUBMITFAIL, 2);
	assert_int_equal(smpp_pdu_tlv_add(&p, 0x001D, "no\0", 3), OG_OK);
	assert_int_equal(smpp_pdu_encode(&p, out, sizeof out, &n, NULL), OG_OK);
	assert_int_equal(n, 16 + 1 + 4 + 3);
	assert_int_equal(out[16], 0);
	assert_int_equal(smpp_pdu_decode(out, n, &p, NULL), OG_OK);
	assert_string_equal(p.body.resp.message_id, "");
	assert_int_equal(p.tlv_count, 1);
}

static void test_answer(void **state)
{
	uint8_t deliver[BUF_MAX];
	uint8_t out[BUF_MAX];
	struct smpp_pdu p, q;
	size_t n;

	(void)state;
	/* The peer's enquire_link and unbind. */
	assert_int_equal(smpp_pdu_decode(v_enquire_link, sizeof v_enquire_link, &p, NULL), OG_OK);
	assert_int_equal(smpp_pdu_encode_answer(&p.header, 0, out, sizeof out, &n, NULL), OG_OK);
	assert_int_equal(n, 16);
	assert_memory_equal(out, "\x00\x00\x00\x10\x80\x00\x00\x15\x00\x00\x00\x00\x00\x00\x00\x01",
			    16);
	assert_int_equal(smpp_pdu_decode(v_unbind, sizeof v_unbind, &p, NULL), OG_OK);
	assert_int_equal(smpp_pdu_encode_answer(&p.header, 0, out, sizeof out, &n, NULL), OG_OK);
	assert_int_equal(n, sizeof v_unbind_resp);
	assert_memory_equal(out, v_unbind_resp, n);
	/* A receipt: accepted, and refused because it could not be stored. */
	assert_int_equal(smpp_pdu_decode(deliver, build_deliver_sm(deliver), &p, NULL), OG_OK);
	assert_int_equal(smpp_pdu_encode_answer(&p.header, 0, out, sizeof out, &n, NULL), OG_OK);
	assert_int_equal(n, sizeof v_deliver_sm_resp);
	assert_memory_equal(out, v_deliver_sm_resp, n);
	assert_int_equal(
	    smpp_pdu_encode_answer(&p.header, SMPP_ESME_RX_T_APPN, out, sizeof out, &n, NULL), OG_OK);
	assert_int_equal(n, sizeof v_deliver_sm_resp_retry);
	assert_memory_equal(out, v_deliver_sm_resp_retry, n);
	/* data_sm. */
	assert_int_equal(smpp_pdu_decode(v_data_sm, sizeof v_data_sm, &p, NULL), OG_OK);
	assert_int_equal(smpp_pdu_encode_answer(&p.header, 0, out, sizeof out, &n, NULL), OG_OK);
	assert_int_equal(n, sizeof v_data_sm_resp);
	assert_memory_equal(out, v_data_sm_resp, n);
	/* An unknown command: generic_nack with its fault and sequence. */
	memcpy(out, v_enquire_link, 16);
	out[7] = 0x99;
	out[15] = 9;
	assert_int_equal(smpp_pdu_decode(out, 16, &p, NULL), OG_ERR_INVALID_REQUEST);
	assert_int_equal(
	    smpp_pdu_encode_answer(&p.header, p.fault_status, out, sizeof out, &n, NULL), OG_OK);
	assert_int_equal(n, sizeof v_generic_nack);
	assert_memory_equal(out, v_generic_nack, n);
	/* A deliver_sm refused for its body gets a deliver_sm_resp ... */
	memcpy(&q.header, &p.header, sizeof q.header);
	q.header.command_id = SMPP_DELIVER_SM;
	assert_int_equal(
	    smpp_pdu_encode_answer(&q.header, SMPP_ESME_RINVSRCADR, out, sizeof out, &n, NULL), OG_OK);
	assert_int_equal(out[4], 0x80);
	assert_int_equal(out[7], 0x05);
	assert_int_equal(out[11], SMPP_ESME_RINVSRCADR);
	/* ... but one whose length was wrong gets a generic_nack. */
	assert_int_equal(
	    smpp_pdu_encode_answer(&q.header, SMPP_ESME_RINVCMDLEN, out, sizeof out, &n, NULL), OG_OK);
	assert_int_equal(out[7], 0x00);
	assert_int_equal(out[11], SMPP_ESME_RINVCMDLEN);
	/* A bind (should the peer ever send one) gets its bind_resp. */
	assert_int_equal(smpp_pdu_decode(v_bind_trx, sizeof v_bind_trx, &p, NULL), OG_OK);
	assert_int_equal(
	    smpp_pdu_encode_answer(&p.header, SMPP_ESME_RBINDFAIL, out, sizeof out, &n, NULL), OG_OK);
	assert_int_equal(smpp_pdu_decode(out, n, &q, NULL), OG_OK);
	assert_int_equal(q.header.command_id, SMPP_BIND_TRANSCEIVER_RESP);
	assert_int_equal(q.header.command_status, SMPP_ESME_RBINDFAIL);
	/* Too small a buffer is an error, not an overrun. */
	assert_int_equal(smpp_pdu_encode_answer(&p.header, 0, out, 16, &n, NULL),
			 OG_ERR_PAYLOAD_TOO_LARGE);
}

/* A deliver_sm with the receipt TLVs given; returns decode's verdict. */
static enum og_err receipt_of(const uint8_t *tlvs, size_t len, uint8_t esm_class,
			      uint8_t *buf, struct smpp_pdu *p)
{
	size_t n = 0;

	memcpy(buf, v_deliver_sm_head, sizeof v_deliver_sm_head);
	buf[sizeof v_deliver_sm_head - 1] = 0; /* sm_length 0 */
	buf[16 + 1 + 2 + 13 + 2 + 7] = esm_class;
	n = sizeof v_deliver_sm_head;
	memcpy(buf + n, tlvs, len);
	n += len;
	buf[3] = (uint8_t)n;
	return smpp_pdu_decode(buf, n, p, NULL);
}

static void test_receipt_forms(void **state)
{
	uint8_t buf[BUF_MAX];
	struct smpp_pdu_receipt r;
	struct og_detail d;
	struct smpp_pdu p;

	(void)state;
	/* Id without its NUL; network error as ASCII digits. */
	assert_int_equal(receipt_of((const uint8_t *)"\x00\x1E\x00\x08" "00B8BE19"
						     "\x04\x23\x00\x03" "023"
						     "\x04\x27\x00\x01\x05",
				    12 + 7 + 5, 0x04, buf, &p),
			 OG_OK);
	assert_int_equal(smpp_pdu_receipt(&p, &r, NULL), OG_OK);
	assert_string_equal(r.message_id, "00B8BE19");
	assert_true(r.has_network_error);
	assert_true(r.network_error_ascii);
	assert_int_equal(r.network_type, 0);
	assert_int_equal(r.network_error, 23);
	assert_int_equal(r.message_state, SMPP_MESSAGE_STATE_UNDELIVERABLE);
	/* ASCII digits with a NUL; binary GSM error 0x0017. */
	assert_int_equal(receipt_of((const uint8_t *)"\x04\x23\x00\x04" "023\0", 8, 0x04, buf, &p),
			 OG_OK);
	assert_int_equal(smpp_pdu_receipt(&p, &r, NULL), OG_OK);
	assert_int_equal(r.network_error, 23);
	assert_false(r.has_message_id);
	assert_false(r.has_message_state);
	assert_int_equal(receipt_of((const uint8_t *)"\x04\x23\x00\x03\x03\x00\x17", 7, 0x04, buf, &p),
			 OG_OK);
	assert_int_equal(smpp_pdu_receipt(&p, &r, NULL), OG_OK);
	assert_false(r.network_error_ascii);
	assert_int_equal(r.network_type, 3);
	assert_int_equal(r.network_error, 0x17);
	/* An intermediate notification (0x20) counts; an MO (0) does not. */
	assert_int_equal(receipt_of((const uint8_t *)"", 0, 0x20, buf, &p), OG_OK);
	assert_int_equal(smpp_pdu_receipt(&p, &r, NULL), OG_OK);
	assert_true(r.is_receipt);
	assert_int_equal(receipt_of((const uint8_t *)"", 0, 0x00, buf, &p), OG_OK);
	assert_int_equal(smpp_pdu_receipt(&p, &r, NULL), OG_OK);
	assert_false(r.is_receipt);
	assert_int_equal(receipt_of((const uint8_t *)"", 0, 0x40, buf, &p), OG_OK);
	assert_int_equal(smpp_pdu_receipt(&p, &r, NULL), OG_OK);
	assert_false(r.is_receipt);
	/* A garbled network_error_code and message_state cost only themselves. */
	memset(&d, 0, sizeof d);
	assert_int_equal(receipt_of((const uint8_t *)"\x00\x1E\x00\x03" "abc"
						     "\x04\x27\x00\x02\x02\x02"
						     "\x04\x23\x00\x02\x03\x00",
				    7 + 6 + 6, 0x04, buf, &p),
			 OG_OK);
	assert_int_equal(smpp_pdu_receipt(&p, &r, &d), OG_ERR_INVALID_REQUEST);
	assert_string_equal(d.field, "smpp.message_state");
	assert_true(r.has_message_id);
	assert_string_equal(r.message_id, "abc");
	assert_false(r.has_message_state);
	assert_false(r.has_network_error);
	/* Ids that are empty, over 64, or hold a NUL are refused. */
	assert_int_equal(receipt_of((const uint8_t *)"\x00\x1E\x00\x01\x00", 5, 0x04, buf, &p),
			 OG_OK);
	assert_int_equal(smpp_pdu_receipt(&p, &r, NULL), OG_ERR_INVALID_REQUEST);
	assert_false(r.has_message_id);
	assert_int_equal(receipt_of((const uint8_t *)"\x00\x1E\x00\x03" "a\0b", 7, 0x04, buf, &p),
			 OG_OK);
	assert_int_equal(smpp_pdu_receipt(&p, &r, NULL), OG_ERR_INVALID_REQUEST);
	{
		uint8_t t[4 + 66];

		memcpy(t, "\x00\x1E\x00\x42", 4);
		memset(t + 4, '9', 65);
		t[4 + 65] = 0;
		assert_int_equal(receipt_of(t, sizeof t, 0x04, buf, &p), OG_OK);
		assert_int_equal(smpp_pdu_receipt(&p, &r, NULL), OG_ERR_INVALID_REQUEST);
		t[3] = 0x41; /* 64 digits and the NUL fit */
		t[4 + 64] = 0;
		assert_int_equal(receipt_of(t, sizeof t - 1, 0x04, buf, &p), OG_OK);
		assert_int_equal(smpp_pdu_receipt(&p, &r, NULL), OG_OK);
		assert_int_equal(strlen(r.message_id), 64);
	}
}

static void test_message_payload_fallback(void **state)
{
	uint8_t buf[BUF_MAX];
	const uint8_t *text;
	struct smpp_pdu p;
	size_t len;

	(void)state;
	/* sm_length 0: the text is in message_payload. */
	assert_int_equal(receipt_of((const uint8_t *)"\x04\x24\x00\x03" "abc", 7, 0x04, buf, &p),
			 OG_OK);
	smpp_pdu_message(&p, &text, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(text, "abc", 3);
	/* Neither: nothing. */
	assert_int_equal(receipt_of((const uint8_t *)"", 0, 0x04, buf, &p), OG_OK);
	smpp_pdu_message(&p, &text, &len);
	assert_int_equal(len, 0);
	assert_null(text);
}

static void test_names_and_sequence(void **state)
{
	(void)state;
	assert_string_equal(smpp_pdu_command_name(SMPP_SUBMIT_SM), "submit_sm");
	assert_string_equal(smpp_pdu_command_name(SMPP_DELIVER_SM_RESP), "deliver_sm_resp");
	assert_string_equal(smpp_pdu_command_name(SMPP_GENERIC_NACK), "generic_nack");
	assert_string_equal(smpp_pdu_command_name(SMPP_ALERT_NOTIFICATION), "alert_notification");
	assert_string_equal(smpp_pdu_command_name(0x12345678), "unknown");
	assert_string_equal(smpp_pdu_status_name(SMPP_ESME_RTHROTTLED), "ESME_RTHROTTLED");
	assert_string_equal(smpp_pdu_status_name(SMPP_ESME_RX_T_APPN), "ESME_RX_T_APPN");
	assert_string_equal(smpp_pdu_status_name(0x104), "unknown");
	assert_int_equal(smpp_pdu_seq_next(0), 1);
	assert_int_equal(smpp_pdu_seq_next(1), 2);
	assert_int_equal(smpp_pdu_seq_next(0x7FFFFFFE), 0x7FFFFFFF);
	assert_int_equal(smpp_pdu_seq_next(0x7FFFFFFF), 1);
	assert_int_equal(smpp_pdu_seq_next(0xFFFFFFFF), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_enquire_link_unbind_nack),
	    cmocka_unit_test(test_bind),
	    cmocka_unit_test(test_bind_resp),
	    cmocka_unit_test(test_bind_resp_with_sc_interface_version),
	    cmocka_unit_test(test_submit_sm),
	    cmocka_unit_test(test_submit_sm_full_fields),
	    cmocka_unit_test(test_submit_sm_resp),
	    cmocka_unit_test(test_deliver_sm_receipt),
	    cmocka_unit_test(test_deliver_sm_resp),
	    cmocka_unit_test(test_data_sm),
	    cmocka_unit_test(test_data_sm_long_addresses),
	    cmocka_unit_test(test_frame),
	    cmocka_unit_test(test_bad_lengths),
	    cmocka_unit_test(test_bad_command),
	    cmocka_unit_test(test_bad_strings),
	    cmocka_unit_test(test_bad_submit_sm),
	    cmocka_unit_test(test_bad_tlvs),
	    cmocka_unit_test(test_every_truncation),
	    cmocka_unit_test(test_encode_limits),
	    cmocka_unit_test(test_encode_resp_body),
	    cmocka_unit_test(test_answer),
	    cmocka_unit_test(test_receipt_forms),
	    cmocka_unit_test(test_message_payload_fallback),
	    cmocka_unit_test(test_names_and_sequence),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
