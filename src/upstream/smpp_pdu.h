/*
 * SMPP v3.4 protocol data units: a codec with no I/O, for the SMPP upstream
 * (UPSTREAMS.md §1). smpp_pdu_frame() finds one PDU at the start of a byte
 * stream, smpp_pdu_decode() turns exactly one PDU into a typed view, and
 * smpp_pdu_encode() writes a view back into a caller's buffer. The view
 * borrows: its strings and TLV values point into the decoded buffer (every
 * string was found NUL-terminated within its field maximum), so it is valid
 * for as long as that buffer is, and decoding is a pure function of the
 * bytes. Encoding a view that decoding accepted gives back the same bytes,
 * which the fuzz target holds us to.
 *
 * Names: the protocol's own vocabulary (command ids, command_status values,
 * TLV tags, field widths) keeps the spec's spelling under the prefix SMPP_,
 * so that each can be looked up in the spec by name; what this codec adds
 * is prefixed SMPP_PDU_.
 */
#ifndef OG_SMPP_PDU_H
#define OG_SMPP_PDU_H

#include "base/og_err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits of this codec. The spec sets no PDU maximum; 8 KiB holds a
 * submit_sm with every field full and a long message_payload, and bounds
 * what a hostile peer can make us buffer. */
#define SMPP_PDU_HEADER_LEN 16
#define SMPP_PDU_MAX 8192
#define SMPP_PDU_TLVS_MAX 32 /* TLVs kept from one PDU; more is refused */

#define SMPP_INTERFACE_VERSION 0x34

/* Field widths from the v3.4 spec (§4), in octets including the NUL of a
 * C-Octet String. */
#define SMPP_SYSTEM_ID_MAX 16
#define SMPP_PASSWORD_MAX 9
#define SMPP_SYSTEM_TYPE_MAX 13
#define SMPP_ADDRESS_RANGE_MAX 41
#define SMPP_SERVICE_TYPE_MAX 6
#define SMPP_ADDR_MAX 21         /* source_addr, destination_addr of submit_sm, deliver_sm */
#define SMPP_DATA_SM_ADDR_MAX 65 /* the same fields of data_sm */
#define SMPP_TIME_MAX 17         /* schedule_delivery_time, validity_period: "" or 16 chars */
#define SMPP_TIME_LEN 16
#define SMPP_MESSAGE_ID_MAX 65
#define SMPP_SHORT_MESSAGE_MAX 254

/* command_id values (§5.1.2.1). Responses are the request with bit 31 set. */
#define SMPP_RESP_BIT 0x80000000u
#define SMPP_GENERIC_NACK 0x80000000u
#define SMPP_BIND_RECEIVER 0x00000001u
#define SMPP_BIND_RECEIVER_RESP 0x80000001u
#define SMPP_BIND_TRANSMITTER 0x00000002u
#define SMPP_BIND_TRANSMITTER_RESP 0x80000002u
#define SMPP_QUERY_SM 0x00000003u
#define SMPP_QUERY_SM_RESP 0x80000003u
#define SMPP_SUBMIT_SM 0x00000004u
#define SMPP_SUBMIT_SM_RESP 0x80000004u
#define SMPP_DELIVER_SM 0x00000005u
#define SMPP_DELIVER_SM_RESP 0x80000005u
#define SMPP_UNBIND 0x00000006u
#define SMPP_UNBIND_RESP 0x80000006u
#define SMPP_REPLACE_SM 0x00000007u
#define SMPP_REPLACE_SM_RESP 0x80000007u
#define SMPP_CANCEL_SM 0x00000008u
#define SMPP_CANCEL_SM_RESP 0x80000008u
#define SMPP_BIND_TRANSCEIVER 0x00000009u
#define SMPP_BIND_TRANSCEIVER_RESP 0x80000009u
#define SMPP_OUTBIND 0x0000000Bu
#define SMPP_ENQUIRE_LINK 0x00000015u
#define SMPP_ENQUIRE_LINK_RESP 0x80000015u
#define SMPP_SUBMIT_MULTI 0x00000021u
#define SMPP_SUBMIT_MULTI_RESP 0x80000021u
#define SMPP_ALERT_NOTIFICATION 0x00000102u
#define SMPP_DATA_SM 0x00000103u
#define SMPP_DATA_SM_RESP 0x80000103u

/* command_status values (§5.1.3). */
#define SMPP_ESME_ROK 0x00000000u
#define SMPP_ESME_RINVMSGLEN 0x00000001u
#define SMPP_ESME_RINVCMDLEN 0x00000002u
#define SMPP_ESME_RINVCMDID 0x00000003u
#define SMPP_ESME_RINVBNDSTS 0x00000004u
#define SMPP_ESME_RALYBND 0x00000005u
#define SMPP_ESME_RINVPRTFLG 0x00000006u
#define SMPP_ESME_RINVREGDLVFLG 0x00000007u
#define SMPP_ESME_RSYSERR 0x00000008u
#define SMPP_ESME_RINVSRCADR 0x0000000Au
#define SMPP_ESME_RINVDSTADR 0x0000000Bu
#define SMPP_ESME_RINVMSGID 0x0000000Cu
#define SMPP_ESME_RBINDFAIL 0x0000000Du
#define SMPP_ESME_RINVPASWD 0x0000000Eu
#define SMPP_ESME_RINVSYSID 0x0000000Fu
#define SMPP_ESME_RCANCELFAIL 0x00000011u
#define SMPP_ESME_RREPLACEFAIL 0x00000013u
#define SMPP_ESME_RMSGQFUL 0x00000014u
#define SMPP_ESME_RINVSERTYP 0x00000015u
#define SMPP_ESME_RINVNUMDESTS 0x00000033u
#define SMPP_ESME_RINVDLNAME 0x00000034u
#define SMPP_ESME_RINVDESTFLAG 0x00000040u
#define SMPP_ESME_RINVSUBREP 0x00000042u
#define SMPP_ESME_RINVESMCLASS 0x00000043u
#define SMPP_ESME_RCNTSUBDL 0x00000044u
#define SMPP_ESME_RSUBMITFAIL 0x00000045u
#define SMPP_ESME_RINVSRCTON 0x00000048u
#define SMPP_ESME_RINVSRCNPI 0x00000049u
#define SMPP_ESME_RINVDSTTON 0x00000050u
#define SMPP_ESME_RINVDSTNPI 0x00000051u
#define SMPP_ESME_RINVSYSTYP 0x00000053u
#define SMPP_ESME_RINVREPFLAG 0x00000054u
#define SMPP_ESME_RINVNUMMSGS 0x00000055u
#define SMPP_ESME_RTHROTTLED 0x00000058u
#define SMPP_ESME_RINVSCHED 0x00000061u
#define SMPP_ESME_RINVEXPIRY 0x00000062u
#define SMPP_ESME_RINVDFTMSGID 0x00000063u
#define SMPP_ESME_RX_T_APPN 0x00000064u
#define SMPP_ESME_RX_P_APPN 0x00000065u
#define SMPP_ESME_RX_R_APPN 0x00000066u
#define SMPP_ESME_RQUERYFAIL 0x00000067u
#define SMPP_ESME_RINVOPTPARSTREAM 0x000000C0u
#define SMPP_ESME_ROPTPARNOTALLWD 0x000000C1u
#define SMPP_ESME_RINVPARLEN 0x000000C2u
#define SMPP_ESME_RMISSINGOPTPARAM 0x000000C3u
#define SMPP_ESME_RINVOPTPARAMVAL 0x000000C4u
#define SMPP_ESME_RDELIVERYFAILURE 0x000000FEu
#define SMPP_ESME_RUNKNOWNERR 0x000000FFu

/* TLV tags (§5.3.2), and the vendor tags Indian aggregators read the DLT
 * chain from (DOMAIN.md §2). The DLT tags are only defaults: the tag for
 * each DLT field is an upstream setting, because vendors reuse the range. */
#define SMPP_TLV_PAYLOAD_TYPE 0x0019u
#define SMPP_TLV_RECEIPTED_MESSAGE_ID 0x001Eu
#define SMPP_TLV_USER_MESSAGE_REFERENCE 0x0204u
#define SMPP_TLV_SOURCE_PORT 0x020Au
#define SMPP_TLV_DESTINATION_PORT 0x020Bu
#define SMPP_TLV_SAR_MSG_REF_NUM 0x020Cu
#define SMPP_TLV_SAR_TOTAL_SEGMENTS 0x020Eu
#define SMPP_TLV_SAR_SEGMENT_SEQNUM 0x020Fu
#define SMPP_TLV_SC_INTERFACE_VERSION 0x0210u
#define SMPP_TLV_NETWORK_ERROR_CODE 0x0423u
#define SMPP_TLV_MESSAGE_PAYLOAD 0x0424u
#define SMPP_TLV_MORE_MESSAGES_TO_SEND 0x0426u
#define SMPP_TLV_MESSAGE_STATE 0x0427u
#define SMPP_TLV_DLT_PE_ID_DEFAULT 0x1400u
#define SMPP_TLV_DLT_TEMPLATE_ID_DEFAULT 0x1401u

/* esm_class bits (§5.2.12). A deliver_sm is a receipt when any bit of the
 * mask is set, as Kannel decides it (UPSTREAMS.md §1). */
#define SMPP_ESM_CLASS_RECEIPT 0x04u
#define SMPP_ESM_CLASS_RECEIPT_MASK 0x2Cu
#define SMPP_ESM_CLASS_UDHI 0x40u

/* registered_delivery (§5.2.17): ask for a final receipt. */
#define SMPP_REGISTERED_DELIVERY_FINAL 0x01u

/* message_state (§5.2.28). */
#define SMPP_MESSAGE_STATE_ENROUTE 1
#define SMPP_MESSAGE_STATE_DELIVERED 2
#define SMPP_MESSAGE_STATE_EXPIRED 3
#define SMPP_MESSAGE_STATE_DELETED 4
#define SMPP_MESSAGE_STATE_UNDELIVERABLE 5
#define SMPP_MESSAGE_STATE_ACCEPTED 6
#define SMPP_MESSAGE_STATE_UNKNOWN 7
#define SMPP_MESSAGE_STATE_REJECTED 8

struct smpp_pdu_header {
	uint32_t command_length;  /* octets, header included; computed by encode */
	uint32_t command_id;      /* SMPP_BIND_TRANSMITTER, ... */
	uint32_t command_status;  /* SMPP_ESME_*; 0 in requests */
	uint32_t sequence_number; /* 1..0x7FFFFFFF in requests; echoed by responses */
};

/* One optional parameter. The value is borrowed, never copied. */
struct smpp_pdu_tlv {
	uint16_t tag;
	uint16_t len;
	const uint8_t *value; /* len octets; may be NULL when len is 0 */
};

/* bind_transmitter, bind_receiver, bind_transceiver (§4.1.1). For encoding,
 * a NULL string is sent as an empty one. */
struct smpp_pdu_bind {
	const char *system_id;
	const char *password;
	const char *system_type;
	uint8_t interface_version; /* SMPP_INTERFACE_VERSION */
	uint8_t addr_ton;
	uint8_t addr_npi;
	const char *address_range;
};

/* bind_*_resp (§4.1.2). system_id is NULL when the peer left the body out,
 * which the spec allows only with a non-zero command_status. */
struct smpp_pdu_bind_resp {
	const char *system_id;
};

/* submit_sm (§4.4.1) and deliver_sm (§4.6.1), which share one layout. */
struct smpp_pdu_sm {
	const char *service_type;
	uint8_t source_addr_ton;
	uint8_t source_addr_npi;
	const char *source_addr;
	uint8_t dest_addr_ton;
	uint8_t dest_addr_npi;
	const char *destination_addr;
	uint8_t esm_class;
	uint8_t protocol_id;
	uint8_t priority_flag;
	const char *schedule_delivery_time; /* "" or SMPP_TIME_LEN characters */
	const char *validity_period;        /* "" or SMPP_TIME_LEN characters */
	uint8_t registered_delivery;
	uint8_t replace_if_present_flag;
	uint8_t data_coding;
	uint8_t sm_default_msg_id;
	uint8_t sm_length;                  /* 0..SMPP_SHORT_MESSAGE_MAX */
	const uint8_t *short_message;       /* sm_length octets; may be NULL when 0 */
};

/* data_sm (§4.7.1); its text travels in the message_payload TLV. */
struct smpp_pdu_data_sm {
	const char *service_type;
	uint8_t source_addr_ton;
	uint8_t source_addr_npi;
	const char *source_addr;
	uint8_t dest_addr_ton;
	uint8_t dest_addr_npi;
	const char *destination_addr;
	uint8_t esm_class;
	uint8_t registered_delivery;
	uint8_t data_coding;
};

/* submit_sm_resp, deliver_sm_resp, data_sm_resp (§4.4.2, §4.6.2, §4.7.2).
 * message_id is NULL when the body was left out (command_status non-zero);
 * encoding NULL with a zero status sends an empty message_id. */
struct smpp_pdu_resp {
	const char *message_id;
};

/* A typed view of one PDU. header.command_id says which body member holds:
 * bind for the three binds, bind_resp for their responses, sm for submit_sm
 * and deliver_sm, data_sm, resp for the three *_sm_resp; the others have
 * no body. */
struct smpp_pdu {
	struct smpp_pdu_header header;
	union {
		struct smpp_pdu_bind bind;
		struct smpp_pdu_bind_resp bind_resp;
		struct smpp_pdu_sm sm;
		struct smpp_pdu_data_sm data_sm;
		struct smpp_pdu_resp resp;
	} body;
	size_t tlv_count;
	struct smpp_pdu_tlv tlv[SMPP_PDU_TLVS_MAX];
	/* Set by a failed decode: the command_status to refuse the PDU with.
	 * smpp_pdu_encode_answer() turns it into the right reply. */
	uint32_t fault_status;
};

/* What a delivery receipt says in its TLVs (§5.3.2.12, .35, .31). */
struct smpp_pdu_receipt {
	bool is_receipt;                      /* esm_class & SMPP_ESM_CLASS_RECEIPT_MASK */
	bool has_message_id;
	char message_id[SMPP_MESSAGE_ID_MAX]; /* receipted_message_id, NUL-terminated */
	bool has_message_state;
	uint8_t message_state;                /* SMPP_MESSAGE_STATE_* */
	bool has_network_error;
	bool network_error_ascii;             /* sent as 3 ASCII digits, not binary */
	uint8_t network_type;                 /* 0 when sent as ASCII digits */
	uint16_t network_error;               /* the error code, e.g. 23 */
};

/** Zeroes p and sets its header; strings left NULL encode as empty. */
void smpp_pdu_init(struct smpp_pdu *p, uint32_t command_id, uint32_t command_status,
		   uint32_t sequence_number);

/** Returns the sequence number after seq, wrapping 0x7FFFFFFF to 1 (§5.1.4). */
uint32_t smpp_pdu_seq_next(uint32_t seq);

/** Appends a TLV borrowing value; OG_ERR_PAYLOAD_TOO_LARGE when SMPP_PDU_TLVS_MAX are there. */
enum og_err smpp_pdu_tlv_add(struct smpp_pdu *p, uint16_t tag, const void *value, uint16_t len);

/** Returns p's first TLV with tag, or NULL. */
const struct smpp_pdu_tlv *smpp_pdu_tlv_find(const struct smpp_pdu *p, uint16_t tag);

/** Finds the first PDU in a stream: *pdu_len is its length when all of it is in buf, 0 when more is needed; an error for command_length < 16 or > max. */
enum og_err smpp_pdu_frame(const uint8_t *buf, size_t len, size_t max, size_t *pdu_len,
			   struct og_detail *d);

/** Decodes exactly one PDU of len octets into out (borrowing buf); on failure out->header is set if len >= 16 and out->fault_status says why. */
enum og_err smpp_pdu_decode(const uint8_t *buf, size_t len, struct smpp_pdu *out,
			    struct og_detail *d);

/** Encodes p into buf (max octets) and sets *len; OG_ERR_PAYLOAD_TOO_LARGE if it won't fit, OG_ERR_INVALID_REQUEST for a field the spec forbids. */
enum og_err smpp_pdu_encode(const struct smpp_pdu *p, uint8_t *buf, size_t max, size_t *len,
			    struct og_detail *d);

/** Encodes the reply to request: its _resp with status and empty fields, or a generic_nack when it has none we encode or status is RINVCMDLEN/RINVCMDID. */
enum og_err smpp_pdu_encode_answer(const struct smpp_pdu_header *request, uint32_t status,
				   uint8_t *buf, size_t max, size_t *len, struct og_detail *d);

/** Points at a deliver_sm or data_sm's text: short_message, or message_payload when short_message is empty. */
void smpp_pdu_message(const struct smpp_pdu *p, const uint8_t **bytes, size_t *len);

/** Reads a deliver_sm or data_sm's receipt TLVs into out; OG_ERR_INVALID_REQUEST if one is malformed (out keeps the others). */
enum og_err smpp_pdu_receipt(const struct smpp_pdu *p, struct smpp_pdu_receipt *out,
			     struct og_detail *d);

/** Returns the command's name as in the spec ("submit_sm"), or "unknown". */
const char *smpp_pdu_command_name(uint32_t command_id);

/** Returns the status's name as in the spec ("ESME_RTHROTTLED"), or "unknown". */
const char *smpp_pdu_status_name(uint32_t command_status);

#endif
