/*
 * otpgate's test SMSC: an SMPP v3.4 server on the npm `smpp` package
 * (0.5.1, pinned in package.json), for testing the SMPP upstream against a
 * peer that is not our own code (UPSTREAMS.md §2). It binds, answers,
 * records everything it is sent, sends delivery receipts, and misbehaves on
 * request the ways real SMSCs do. It listens on 127.0.0.1 only.
 *
 * Start:
 *   npm install --no-package-lock --prefix tests/peers/smpp
 *   node tests/peers/smpp/smsc.js [--port N] [--control-port N]
 *        [--system-id ID] [--password PW] [--id-base hex|dec] [--mode JSON]
 * or the same through the environment: PORT (SMPP, default 2775),
 * CONTROL_PORT (HTTP, default 2776), SYSTEM_ID (default "otpgate"),
 * PASSWORD (default "secret"), ID_BASE, DLR_ID_BASE, ENQUIRE_LINK_MS, and
 * SMSC_MODE (a JSON object of knobs, as for POST /mode). Flags win over the
 * environment. A port of 0 takes a free one. Once both ports listen it
 * prints one line, {"event":"listening","smpp_port":N,"control_port":M}, to
 * stdout; on SIGTERM (or SIGINT) it drops every session, closes both
 * ports, prints {"event":"stopped"} and exits 0.
 *
 * SMPP behaviour:
 *   - bind_transceiver, bind_transmitter, bind_receiver with the configured
 *     system_id and password are accepted (system_id "SMSC"); anything else
 *     gets bind_fail_status (ESME_RBINDFAIL, 0x0D); a second bind on a bound
 *     session gets ESME_RALYBND (0x05).
 *   - enquire_link is answered at any time (unless ignore_enquire_link);
 *     unbind is answered and the session closed.
 *   - submit_sm on a session not bound to transmit gets ESME_RINVBNDSTS
 *     (0x04). Otherwise, in this order: drop_next_resp, fail_next, throttle,
 *     then a submit without both DLT TLVs (dlt_tags, default 0x1400 and
 *     0x1401) gets dlt_status (ESME_RSUBMITFAIL, 0x45); the rest are
 *     accepted with a counter-based message_id (hex upper-case or decimal,
 *     id_base). A dropped response still counts as accepted: the message
 *     got through but the client never hears, so its receipt still comes.
 *   - Every submit is recorded: session and bind, source and destination
 *     with TON/NPI, esm_class, registered_delivery, data_coding,
 *     short_message as hex and as text (decoded by the smpp package, the
 *     UDH apart, except that IA5 is read as ASCII where the package reads
 *     GSM), every TLV as hex, the status answered, the time.
 *   - When registered_delivery asks (bit 0, or bit 1 for failures only) a
 *     deliver_sm receipt follows after dlr_delay_ms: esm_class 4, text
 *     "id:ID sub:001 dlvrd:001 submit date:YYMMDDhhmm done date:YYMMDDhhmm
 *     stat:DELIVRD err:000 text:FIRST20" (SMSC local time: set TZ; FIRST20
 *     keeps only characters that are one octet alike in ASCII and GSM,
 *     others become "?"), with
 *     receipted_message_id and message_state TLVs. It goes to the
 *     submitting session if that is a transceiver, else to a receiver bound
 *     with the same system_id; the deliver_sm_resp status that comes back is
 *     recorded (GET /receipts).
 *   - Any other request gets generic_nack ESME_RINVCMDID (0x03).
 *   - With enquire_link_ms set, it sends its own enquire_link to every
 *     bound session and records whether the client answered within
 *     enquire_link_timeout_ms.
 *
 * Control API (HTTP on 127.0.0.1:CONTROL_PORT, JSON in and out):
 *   GET  /received  every submit recorded, oldest first
 *   GET  /receipts  every receipt sent, with the deliver_sm_resp status
 *   GET  /stats     counters: binds, sessions, enquire_links (received from
 *                   clients, answered, ignored), server_enquire_links (sent,
 *                   answered, unanswered), submits (by status), receipts
 *   GET  /sessions  the sessions, open and closed
 *   GET  /mode      the knobs in force
 *   POST /mode      merges a JSON object of knobs; unknown knobs or wrong
 *                   types are refused with 400; answers the knobs in force
 *   POST /reset     forgets records and counters, restores the knobs the
 *                   server started with, restarts the id counter
 *
 * Knobs (POST /mode, SMSC_MODE):
 *   id_base             "hex" | "dec": the submit_sm_resp message_id (hex)
 *   id_start            the counter; the next id is id_start + 1 (4096)
 *   dlt_tags            TLV tags a submit must carry ([5120, 5121])
 *   dlt_status          the status when one is missing (0x45)
 *   bind_fail_status    the status for a bad system_id or password (0x0D)
 *   throttle            accept at most N submits a second, answer
 *                       throttle_status (0x58) above that; 0 is off
 *   fail_next           answer the next K submits with fail_status (0x08;
 *                       0x14 and 0x0E are the other usual ones)
 *   drop_next_resp      swallow the next K submit_sm_resp, so the client
 *                       times out
 *   ignore_enquire_link stop answering the client's enquire_link (false)
 *   close_now           true: drop every session now (an action, not kept)
 *   close_after         drop every session after K more submits; 0 is off
 *   delay_resp_ms       wait this long before each submit_sm_resp (0)
 *   enquire_link_ms     send our own enquire_link this often; 0 is off
 *   enquire_link_timeout_ms  how long the client has to answer it (1000)
 *   dlr                 send receipts at all (true)
 *   dlr_stat, dlr_err   the receipt's stat and err ("DELIVRD", "000"; e.g.
 *                       "UNDELIV", "023"); message_state follows stat
 *   dlr_delay_ms        how long after the submit_sm_resp (50)
 *   dlr_id_base         "same" as submit_sm_resp, "hex" or "dec"
 *   dlr_id_pad          left-pad the receipt's id with zeros to N chars (0)
 *   dlr_id_case         "upper" | "lower"
 *   dlr_shape           "standard" | "reordered" (stat and err first) |
 *                       "no_sub_dlvrd" | "date12" (YYMMDDhhmmss dates)
 *   dlr_tlvs            send receipted_message_id and message_state (true)
 *   dlr_network_error   "none" | "binary" (3 octets) | "ascii" (3 digits)
 *                       network_error_code built from dlr_err
 *   dlr_duplicates      send each receipt this many extra times (0)
 *   dlr_out_of_order    after the receipt, send UNDELIV err:023 for the
 *                       same id (false)
 *   dlr_before_resp     send the receipt before the submit_sm_resp (false)
 */
'use strict';

const http = require('http');
const smpp = require('smpp');

const HOST = '127.0.0.1';
const CONTROL_BODY_MAX = 64 * 1024;
const RECORDS_MAX = 100000; /* past this the oldest records go */
const TEXT_IN_RECEIPT_MAX = 20;

const MESSAGE_STATE = {
	ENROUTE: 1, DELIVRD: 2, EXPIRED: 3, DELETED: 4, UNDELIV: 5, ACCEPTD: 6, UNKNOWN: 7, REJECTD: 8,
};

/* The bytes each PDU was decoded from: the package decodes short_message
 * into text and known TLVs into values, but the records keep the octets. */
const fromBuffer = smpp.PDU.prototype.fromBuffer;
smpp.PDU.prototype.fromBuffer = function (buffer) {
	Object.defineProperty(this, 'raw', {value: Buffer.from(buffer), enumerable: false});
	return fromBuffer.call(this, buffer);
};

function parseArgs(argv) {
	const flags = {};
	for (let i = 0; i < argv.length; i++) {
		const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
		if (!m)
			throw new Error(`unknown argument ${argv[i]}`);
		flags[m[1]] = m[2] !== undefined ? m[2] : argv[++i];
	}
	return flags;
}

const flags = parseArgs(process.argv.slice(2));
const env = process.env;
const config = {
	port: Number(flags.port ?? env.PORT ?? 2775),
	controlPort: Number(flags['control-port'] ?? env.CONTROL_PORT ?? 2776),
	systemId: flags['system-id'] ?? env.SYSTEM_ID ?? 'otpgate',
	password: flags.password ?? env.PASSWORD ?? 'secret',
};

/* Each knob's default and type; the table checks POST /mode too. */
const KNOBS = {
	id_base: ['hex', ['hex', 'dec']],
	id_start: [0x1000, 'number'],
	dlt_tags: [[0x1400, 0x1401], 'tags'],
	dlt_status: [0x45, 'number'],
	bind_fail_status: [0x0D, 'number'],
	throttle: [0, 'number'],
	throttle_status: [0x58, 'number'],
	fail_next: [0, 'number'],
	fail_status: [0x08, 'number'],
	drop_next_resp: [0, 'number'],
	ignore_enquire_link: [false, 'boolean'],
	close_after: [0, 'number'],
	delay_resp_ms: [0, 'number'],
	enquire_link_ms: [0, 'number'],
	enquire_link_timeout_ms: [1000, 'number'],
	dlr: [true, 'boolean'],
	dlr_stat: ['DELIVRD', 'string'],
	dlr_err: ['000', 'string'],
	dlr_delay_ms: [50, 'number'],
	dlr_id_base: ['same', ['same', 'hex', 'dec']],
	dlr_id_pad: [0, 'number'],
	dlr_id_case: ['upper', ['upper', 'lower']],
	dlr_shape: ['standard', ['standard', 'reordered', 'no_sub_dlvrd', 'date12']],
	dlr_tlvs: [true, 'boolean'],
	dlr_network_error: ['none', ['none', 'binary', 'ascii']],
	dlr_duplicates: [0, 'number'],
	dlr_out_of_order: [false, 'boolean'],
	dlr_before_resp: [false, 'boolean'],
};

/* Returns an error sentence for a bad knob object, or null; close_now is
 * taken here too, as it is an action. */
function checkKnobs(obj) {
	if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
		return 'the body must be a JSON object';
	for (const [k, v] of Object.entries(obj)) {
		if (k === 'close_now') {
			if (typeof v !== 'boolean')
				return 'close_now must be a boolean';
			continue;
		}
		const spec = KNOBS[k];
		if (!spec)
			return `unknown knob ${k}`;
		const type = spec[1];
		if (Array.isArray(type)) {
			if (!type.includes(v))
				return `${k} must be one of ${type.join(', ')}`;
		} else if (type === 'tags') {
			if (!Array.isArray(v) || !v.every((t) => Number.isInteger(t) && t >= 0 && t <= 0xFFFF))
				return `${k} must be a list of TLV tags`;
		} else if (type === 'number') {
			if (!Number.isInteger(v) || v < 0)
				return `${k} must be a non-negative integer`;
		} else if (typeof v !== type) {
			return `${k} must be a ${type}`;
		}
	}
	return null;
}

function defaultMode() {
	const mode = {};
	for (const [k, spec] of Object.entries(KNOBS))
		mode[k] = Array.isArray(spec[0]) ? spec[0].slice() : spec[0];
	if (flags['id-base'] ?? env.ID_BASE)
		mode.id_base = flags['id-base'] ?? env.ID_BASE;
	if (env.DLR_ID_BASE)
		mode.dlr_id_base = env.DLR_ID_BASE;
	if (env.ENQUIRE_LINK_MS)
		mode.enquire_link_ms = Number(env.ENQUIRE_LINK_MS);
	const extra = flags.mode ?? env.SMSC_MODE;
	if (extra) {
		const obj = JSON.parse(extra);
		const err = checkKnobs(obj);
		if (err)
			throw new Error(`--mode: ${err}`);
		delete obj.close_now;
		Object.assign(mode, obj);
	}
	const err = checkKnobs(mode);
	if (err)
		throw new Error(err);
	return mode;
}

const startMode = defaultMode();
let mode;
let counter;
let received;
let receipts;
let stats;
let submitTimes;     /* when recent submits were accepted, for throttle */
let sessionsSeen;    /* every session, open or closed */
let nextSessionId = 1;
const live = new Set();

function reset() {
	mode = JSON.parse(JSON.stringify(startMode));
	counter = mode.id_start;
	received = [];
	receipts = [];
	submitTimes = [];
	stats = {
		binds: {transceiver: 0, transmitter: 0, receiver: 0, failed: 0},
		sessions: {open: live.size, total: 0},
		enquire_links: {received: 0, answered: 0, ignored: 0},
		server_enquire_links: {sent: 0, answered: 0, unanswered: 0},
		submits: {total: 0, by_status: {}, dropped_resps: 0},
		receipts: {sent: 0, resps: {}, unanswered: 0},
		unbinds: 0,
		generic_nacks_sent: 0,
		errors: 0,
	};
	sessionsSeen = [...live].map((s) => s.info);
	for (const s of live)
		armEnquireLink(s);
}

function hex8(n) {
	return '0x' + (n >>> 0).toString(16).toUpperCase().padStart(8, '0');
}

function bump(obj, key) {
	obj[key] = (obj[key] || 0) + 1;
}

function keep(list, item) {
	list.push(item);
	if (list.length > RECORDS_MAX)
		list.shift();
}

/* Splits a submit_sm's raw bytes (v3.4 §4.4.1) into its short_message and
 * TLVs; the package keeps neither as octets. */
function rawFields(raw) {
	let off = 16;
	const cstr = () => {
		const end = raw.indexOf(0, off);
		if (end < 0)
			throw new Error('unterminated C-string');
		const s = raw.toString('latin1', off, end);
		off = end + 1;
		return s;
	};
	const u8 = () => {
		if (off >= raw.length)
			throw new Error('short PDU');
		return raw[off++];
	};
	cstr(); u8(); u8(); cstr(); u8(); u8(); cstr();   /* service_type .. destination_addr */
	u8(); u8(); u8(); cstr(); cstr(); u8(); u8(); u8(); u8(); /* esm_class .. sm_default_msg_id */
	const smLength = u8();
	const shortMessage = raw.subarray(off, off + smLength);
	off += smLength;
	const tlvs = [];
	while (off + 4 <= raw.length) {
		const tag = raw.readUInt16BE(off);
		const len = raw.readUInt16BE(off + 2);
		const value = raw.subarray(off + 4, off + 4 + len);
		tlvs.push({tag: '0x' + tag.toString(16).toUpperCase().padStart(4, '0'), tag_num: tag,
			len, hex: value.toString('hex')});
		off += 4 + len;
	}
	return {shortMessage, tlvs};
}

function textOf(value) {
	if (value && typeof value === 'object' && 'message' in value)
		return Buffer.isBuffer(value.message) ? value.message.toString('hex') : value.message;
	if (Buffer.isBuffer(value))
		return value.toString('latin1');
	return value ?? '';
}

function recordSubmit(session, pdu) {
	const rec = {
		n: received.length + 1,
		time: new Date().toISOString(),
		time_ms: Date.now(),
		session: session.info.id,
		bind: session.info.bind,
		system_id: session.info.system_id,
		sequence_number: pdu.sequence_number,
		service_type: pdu.service_type,
		source_addr_ton: pdu.source_addr_ton,
		source_addr_npi: pdu.source_addr_npi,
		source_addr: pdu.source_addr,
		dest_addr_ton: pdu.dest_addr_ton,
		dest_addr_npi: pdu.dest_addr_npi,
		destination_addr: pdu.destination_addr,
		esm_class: pdu.esm_class,
		protocol_id: pdu.protocol_id,
		priority_flag: pdu.priority_flag,
		registered_delivery: pdu.registered_delivery,
		data_coding: pdu.data_coding,
		short_message_hex: '',
		udh_hex: null,
		text: '',
		tlvs: [],
		command_status: null,
		message_id: null,
		resp: null,
	};
	try {
		const f = rawFields(pdu.raw);
		rec.short_message_hex = f.shortMessage.toString('hex');
		rec.tlvs = f.tlvs;
		const sm = pdu.short_message;
		if (sm && sm.udh)
			rec.udh_hex = Buffer.concat(sm.udh.map((u) => Buffer.from(u))).toString('hex');
		rec.text = f.shortMessage.length ? textOf(sm) : textOf(pdu.message_payload);
		/* The package reads data_coding 1 as GSM; IA5 is ASCII. */
		if (pdu.data_coding === 1 && f.shortMessage.length)
			rec.text = f.shortMessage.subarray(rec.udh_hex === null ? 0 : f.shortMessage[0] + 1).toString('latin1');
	} catch (e) {
		rec.parse_error = String(e.message || e);
	}
	keep(received, rec);
	return rec;
}

function hasTlv(pdu, tag) {
	try {
		return rawFields(pdu.raw).tlvs.some((t) => t.tag_num === tag);
	} catch (e) {
		return false;
	}
}

function pad2(n) {
	return String(n).padStart(2, '0');
}

function smscDate(d, seconds) {
	const s = String(d.getFullYear()).slice(2) + pad2(d.getMonth() + 1) + pad2(d.getDate()) +
		pad2(d.getHours()) + pad2(d.getMinutes());
	return seconds ? s + pad2(d.getSeconds()) : s;
}

function receiptId(k, respId) {
	let id = mode.dlr_id_base === 'same' ? respId
		: mode.dlr_id_base === 'dec' ? String(k) : k.toString(16).toUpperCase();
	if (mode.dlr_id_pad > id.length)
		id = id.padStart(mode.dlr_id_pad, '0');
	return mode.dlr_id_case === 'lower' ? id.toLowerCase() : id;
}

function receiptText(id, stat, err, submitted, text) {
	const twelve = mode.dlr_shape === 'date12';
	const sd = smscDate(submitted, twelve), dd = smscDate(new Date(), twelve);
	const dlvrd = stat === 'DELIVRD' ? '001' : '000';
	/* Only characters that are the same octet in ASCII and in GSM 03.38
	 * are kept, so the data_coding 0 receipt reads alike either way. */
	const first = String(text).slice(0, TEXT_IN_RECEIPT_MAX).replace(/[^A-Za-z0-9 !"#%&'()*+,\-./:;<=>?]/g, '?');
	switch (mode.dlr_shape) {
	case 'reordered':
		return `stat:${stat} err:${err} id:${id} submit date:${sd} done date:${dd} sub:001 dlvrd:${dlvrd} text:${first}`;
	case 'no_sub_dlvrd':
		return `id:${id} submit date:${sd} done date:${dd} stat:${stat} err:${err}`;
	default:
		return `id:${id} sub:001 dlvrd:${dlvrd} submit date:${sd} done date:${dd} stat:${stat} err:${err} text:${first}`;
	}
}

/* The session a receipt for a submit on session goes to, or null. */
function receiptTarget(session) {
	if (session.info.bind === 'transceiver' && live.has(session))
		return session;
	for (const s of live)
		if (s.info.bind === 'receiver' && s.info.system_id === session.info.system_id)
			return s;
	return null;
}

function sendReceipt(session, rec, id, stat, err, submitted) {
	const target = receiptTarget(session);
	const text = receiptText(id, stat, err, submitted, rec.text);
	const r = {
		n: receipts.length + 1,
		submit: rec.n,
		session: target ? target.info.id : null,
		message_id: id,
		stat,
		err,
		text,
		sent_at: new Date().toISOString(),
		sequence_number: null,
		resp_status: null,
		resp_command: null,
	};
	keep(receipts, r);
	if (!target) {
		r.error = 'no session bound to receive';
		return;
	}
	const opts = {
		source_addr_ton: rec.dest_addr_ton,
		source_addr_npi: rec.dest_addr_npi,
		source_addr: rec.destination_addr,
		dest_addr_ton: rec.source_addr_ton,
		dest_addr_npi: rec.source_addr_npi,
		destination_addr: rec.source_addr,
		esm_class: smpp.ESM_CLASS.MC_DELIVERY_RECEIPT,
		data_coding: 0,
		short_message: Buffer.from(text, 'latin1'),
	};
	if (mode.dlr_tlvs) {
		opts.receipted_message_id = id;
		opts.message_state = MESSAGE_STATE[stat] ?? MESSAGE_STATE.UNKNOWN;
	}
	const code = Number.parseInt(err, 10) || 0;
	if (mode.dlr_network_error === 'binary')
		opts.network_error_code = Buffer.from([3, (code >> 8) & 0xFF, code & 0xFF]);
	else if (mode.dlr_network_error === 'ascii')
		opts.network_error_code = Buffer.from(String(code % 1000).padStart(3, '0'), 'latin1');
	const pdu = new smpp.PDU('deliver_sm', opts);
	const sent = target.send(pdu, (resp) => {
		r.resp_status = resp.command_status;
		r.resp_command = resp.command;
		r.resp_at = new Date().toISOString();
		bump(stats.receipts.resps, hex8(resp.command_status));
	});
	r.sequence_number = pdu.sequence_number;
	if (sent)
		stats.receipts.sent++;
	else
		r.error = 'session not writable';
}

/* Sends every receipt a submit asks for: the receipt itself, its
 * duplicates, and the contradicting one when out of order is on. */
function sendReceipts(session, rec, k, respId, submitted) {
	const id = receiptId(k, respId);
	const stat = mode.dlr_stat, err = mode.dlr_err;
	const wanted = rec.registered_delivery & 0x03;
	if (!mode.dlr || !(wanted === 1 || (wanted === 2 && stat !== 'DELIVRD')))
		return;
	for (let i = 0; i <= mode.dlr_duplicates; i++)
		sendReceipt(session, rec, id, stat, err, submitted);
	if (mode.dlr_out_of_order)
		sendReceipt(session, rec, id, 'UNDELIV', '023', submitted);
}

function closeAll() {
	for (const s of [...live])
		s.destroy();
}

function onSubmit(session, pdu) {
	const rec = recordSubmit(session, pdu);
	const submitted = new Date();
	stats.submits.total++;
	let status = 0;
	let drop = false;

	if (session.info.bind !== 'transmitter' && session.info.bind !== 'transceiver') {
		status = smpp.ESME_RINVBNDSTS;
	} else if (mode.drop_next_resp > 0) {
		mode.drop_next_resp--;
		drop = true;
	} else if (mode.fail_next > 0) {
		mode.fail_next--;
		status = mode.fail_status;
	} else if (mode.throttle > 0) {
		const now = Date.now();
		while (submitTimes.length && now - submitTimes[0] >= 1000)
			submitTimes.shift();
		if (submitTimes.length >= mode.throttle)
			status = mode.throttle_status;
	}
	if (status === 0 && !drop && !mode.dlt_tags.every((t) => hasTlv(pdu, t)))
		status = mode.dlt_status;
	rec.command_status = status;
	bump(stats.submits.by_status, hex8(status));
	session.info.submits++;

	let k = null, id = null;
	if (status === 0) {
		submitTimes.push(Date.now());
		k = ++counter;
		id = mode.id_base === 'dec' ? String(k) : k.toString(16).toUpperCase();
		rec.message_id = id;
	}
	const respond = () => {
		if (drop) {
			rec.resp = 'dropped';
			stats.submits.dropped_resps++;
			return;
		}
		session.send(pdu.response(status === 0 ? {message_id: id} : {command_status: status}));
		rec.resp = 'sent';
	};
	const receiptsDue = () => sendReceipts(session, rec, k, id, submitted);

	if (status === 0 && mode.dlr_before_resp) {
		receiptsDue();
		setTimeout(respond, mode.delay_resp_ms);
	} else {
		const after = () => {
			respond();
			if (status === 0)
				setTimeout(receiptsDue, mode.dlr_delay_ms);
		};
		if (mode.delay_resp_ms > 0)
			setTimeout(after, mode.delay_resp_ms);
		else
			after();
	}
	if (mode.close_after > 0 && --mode.close_after === 0)
		setImmediate(closeAll);
}

const BINDS = {
	bind_transceiver: 'transceiver',
	bind_transmitter: 'transmitter',
	bind_receiver: 'receiver',
};

function onBind(session, pdu) {
	const kind = BINDS[pdu.command];
	if (session.info.bind) {
		session.send(pdu.response({command_status: smpp.ESME_RALYBND}));
		return;
	}
	if (pdu.system_id !== config.systemId || pdu.password !== config.password) {
		stats.binds.failed++;
		session.send(pdu.response({command_status: mode.bind_fail_status}));
		return;
	}
	session.info.bind = kind;
	session.info.system_id = pdu.system_id;
	session.info.bound_at = new Date().toISOString();
	stats.binds[kind]++;
	session.send(pdu.response({system_id: 'SMSC'}));
	armEnquireLink(session);
}

/* Our own enquire_link, every enquire_link_ms, to bound sessions. */
function armEnquireLink(session) {
	if (session.enquireTimer) {
		clearInterval(session.enquireTimer);
		session.enquireTimer = null;
	}
	if (!mode.enquire_link_ms || !session.info.bind)
		return;
	session.enquireTimer = setInterval(() => {
		let answered = false;
		stats.server_enquire_links.sent++;
		session.info.server_enquire_links.sent++;
		session.enquire_link({}, () => {
			answered = true;
			stats.server_enquire_links.answered++;
			session.info.server_enquire_links.answered++;
		});
		setTimeout(() => {
			if (!answered) {
				stats.server_enquire_links.unanswered++;
				session.info.server_enquire_links.unanswered++;
			}
		}, mode.enquire_link_timeout_ms);
	}, mode.enquire_link_ms);
}

const server = smpp.createServer((session) => {
	session.info = {
		id: nextSessionId++,
		remote_port: session.socket.remotePort,
		opened_at: new Date().toISOString(),
		closed_at: null,
		bind: null,
		system_id: null,
		submits: 0,
		server_enquire_links: {sent: 0, answered: 0, unanswered: 0},
	};
	live.add(session);
	sessionsSeen.push(session.info);
	stats.sessions.total++;
	stats.sessions.open = live.size;

	for (const command of Object.keys(BINDS))
		session.on(command, (pdu) => onBind(session, pdu));
	session.on('enquire_link', (pdu) => {
		stats.enquire_links.received++;
		if (mode.ignore_enquire_link) {
			stats.enquire_links.ignored++;
			return;
		}
		stats.enquire_links.answered++;
		session.send(pdu.response());
	});
	session.on('unbind', (pdu) => {
		stats.unbinds++;
		session.send(pdu.response());
		session.close();
	});
	session.on('submit_sm', (pdu) => onSubmit(session, pdu));
	session.on('pdu', (pdu) => {
		const handled = pdu.command in BINDS || pdu.command === 'enquire_link' ||
			pdu.command === 'unbind' || pdu.command === 'submit_sm';
		if (handled || pdu.isResponse())
			return;
		stats.generic_nacks_sent++;
		session.send(new smpp.PDU('generic_nack', {sequence_number: pdu.sequence_number,
			command_status: smpp.ESME_RINVCMDID}));
	});
	/* The package stops reading a session whose bytes it cannot parse, so
	 * such a session is dropped rather than left hanging. */
	session.on('error', (e) => {
		stats.errors++;
		session.info.error = String(e.message || e);
		session.destroy();
	});
	session.on('close', () => {
		if (session.enquireTimer)
			clearInterval(session.enquireTimer);
		live.delete(session);
		session.info.closed_at = new Date().toISOString();
		stats.sessions.open = live.size;
	});
});

function reply(res, status, body) {
	const text = JSON.stringify(body, null, 1) + '\n';
	res.writeHead(status, {'content-type': 'application/json', 'content-length': Buffer.byteLength(text)});
	res.end(text);
}

const control = http.createServer((req, res) => {
	const chunks = [];
	let size = 0;
	req.on('data', (c) => {
		size += c.length;
		if (size > CONTROL_BODY_MAX) {
			reply(res, 413, {error: 'body too large'});
			req.destroy();
			return;
		}
		chunks.push(c);
	});
	req.on('end', () => {
		if (res.writableEnded)
			return;
		const route = `${req.method} ${req.url.split('?')[0]}`;
		switch (route) {
		case 'GET /received':
			return reply(res, 200, received);
		case 'GET /receipts':
			return reply(res, 200, receipts);
		case 'GET /stats':
			return reply(res, 200, stats);
		case 'GET /sessions':
			return reply(res, 200, sessionsSeen);
		case 'GET /mode':
			return reply(res, 200, mode);
		case 'POST /reset':
			reset();
			return reply(res, 200, {ok: true});
		case 'POST /mode': {
			let obj;
			try {
				obj = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
			} catch (e) {
				return reply(res, 400, {error: 'the body is not JSON'});
			}
			const err = checkKnobs(obj);
			if (err)
				return reply(res, 400, {error: err});
			const closeNow = obj.close_now === true;
			delete obj.close_now;
			Object.assign(mode, obj);
			if ('id_start' in obj)
				counter = obj.id_start;
			if ('enquire_link_ms' in obj)
				for (const s of live)
					armEnquireLink(s);
			if (closeNow)
				closeAll();
			return reply(res, 200, mode);
		}
		default:
			return reply(res, 404, {error: `no route ${route}`});
		}
	});
});

function stop() {
	closeAll();
	server.close();
	control.close();
	process.stdout.write(JSON.stringify({event: 'stopped'}) + '\n');
	process.exit(0);
}

reset();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
server.listen(config.port, HOST, () => {
	control.listen(config.controlPort, HOST, () => {
		process.stdout.write(JSON.stringify({event: 'listening', smpp_port: server.address().port,
			control_port: control.address().port}) + '\n');
	});
});
