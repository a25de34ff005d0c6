/*
 * A check of the test SMSC (smsc.js) from the client side, with the same
 * npm smpp package as the client: it starts the SMSC on free ports, drives
 * every knob over the control API, and checks what a client sees and what
 * the SMSC records. Run it after changing smsc.js:
 *   npm install --no-package-lock --prefix tests/peers/smpp
 *   node tests/peers/smpp/selftest.js
 * It ends with one line "N passed, N failed" and exits non-zero on failure.
 */
'use strict';

const assert = require('assert');
const {spawn} = require('child_process');
const http = require('http');
const path = require('path');
const smpp = require('smpp');

smpp.addTLV('pe_id', {id: 0x1400, type: smpp.types.tlv.string});
smpp.addTLV('template_id', {id: 0x1401, type: smpp.types.tlv.string});

const DLT = {pe_id: '1101234567890123456', template_id: '1107161234567890123'};
const WAIT_MS = 3000;
let smsc, ports;

function sleep(ms) {
	return new Promise((r) => setTimeout(r, ms));
}

function control(method, route, body) {
	return new Promise((resolve, reject) => {
		const data = body === undefined ? '' : JSON.stringify(body);
		const req = http.request({host: '127.0.0.1', port: ports.control_port, method, path: route,
			headers: {'content-type': 'application/json', 'content-length': Buffer.byteLength(data)}},
		(res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => resolve({status: res.statusCode,
				body: JSON.parse(Buffer.concat(chunks).toString('utf8'))}));
		});
		req.on('error', reject);
		req.end(data);
	});
}

const mode = async (knobs) => {
	const r = await control('POST', '/mode', knobs);
	assert.strictEqual(r.status, 200, JSON.stringify(r.body));
};
const get = async (route) => (await control('GET', route)).body;

/* A client session that queues what the SMSC sends it. */
function connect() {
	return new Promise((resolve, reject) => {
		const s = smpp.connect({host: '127.0.0.1', port: ports.smpp_port});
		s.inbox = [];
		s.closed = false;
		s.answerEnquire = true;
		s.answerDeliver = 0;
		s.on('deliver_sm', (p) => {
			s.inbox.push(p);
			s.send(p.response({command_status: s.answerDeliver}));
		});
		s.on('enquire_link', (p) => {
			s.enquiries = (s.enquiries || 0) + 1;
			if (s.answerEnquire)
				s.send(p.response());
		});
		s.on('close', () => { s.closed = true; });
		s.on('error', () => {});
		s.on('connect', () => resolve(s));
		s.socket.on('error', reject);
	});
}

/* Sends command and resolves with its response, or null after ms. */
function call(s, command, options, ms = WAIT_MS) {
	return new Promise((resolve) => {
		const t = setTimeout(() => resolve(null), ms);
		s[command](options, (resp) => {
			clearTimeout(t);
			resolve(resp);
		});
	});
}

async function until(what, ms = WAIT_MS) {
	const end = Date.now() + ms;
	while (Date.now() < end) {
		const v = await what();
		if (v)
			return v;
		await sleep(20);
	}
	throw new Error('timed out waiting');
}

async function bound(kind = 'bind_transceiver') {
	const s = await connect();
	const r = await call(s, kind, {system_id: 'otpgate', password: 'secret'});
	assert.strictEqual(r.command_status, 0);
	assert.strictEqual(r.system_id, 'SMSC');
	return s;
}

/* Submits with the DLT TLVs; a key of extra set to undefined is left out. */
function submit(s, extra = {}, ms) {
	const options = Object.assign({source_addr_ton: 5, source_addr: 'OTPGAT',
		dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '919876543210',
		registered_delivery: 1, data_coding: 0, short_message: Buffer.from('Your code is 492811')},
	DLT, extra);
	for (const k of Object.keys(options))
		if (options[k] === undefined)
			delete options[k];
	return call(s, 'submit_sm', options, ms);
}

const tests = [];
const test = (name, fn) => tests.push({name, fn});

test('a bad password is refused with ESME_RBINDFAIL', async () => {
	const s = await connect();
	const r = await call(s, 'bind_transceiver', {system_id: 'otpgate', password: 'wrong'});
	assert.strictEqual(r.command_status, smpp.ESME_RBINDFAIL);
	const ok = await call(s, 'bind_transceiver', {system_id: 'otpgate', password: 'secret'});
	assert.strictEqual(ok.command_status, 0);
	const again = await call(s, 'bind_transmitter', {system_id: 'otpgate', password: 'secret'});
	assert.strictEqual(again.command_status, smpp.ESME_RALYBND);
	assert.strictEqual((await get('/stats')).binds.failed, 1);
	s.destroy();
});

test('enquire_link is answered, and ignored on request', async () => {
	const s = await bound();
	assert.strictEqual((await call(s, 'enquire_link', {})).command_status, 0);
	await mode({ignore_enquire_link: true});
	assert.strictEqual(await call(s, 'enquire_link', {}, 300), null);
	const st = await get('/stats');
	assert.deepStrictEqual(st.enquire_links, {received: 2, answered: 1, ignored: 1});
	s.destroy();
});

test('a submit is answered with a counter id, recorded, and receipted', async () => {
	const s = await bound();
	s.answerDeliver = 0x64;
	const r = await submit(s);
	assert.strictEqual(r.command_status, 0);
	assert.strictEqual(r.message_id, '1001');
	const d = await until(() => s.inbox[0]);
	assert.strictEqual(d.esm_class, 4);
	assert.strictEqual(d.receipted_message_id, '1001');
	assert.strictEqual(d.message_state, 2);
	assert.match(d.short_message.message,
		/^id:1001 sub:001 dlvrd:001 submit date:\d{10} done date:\d{10} stat:DELIVRD err:000 text:Your code is 492811$/);
	const rec = (await get('/received'))[0];
	assert.strictEqual(rec.destination_addr, '919876543210');
	assert.strictEqual(rec.source_addr, 'OTPGAT');
	assert.strictEqual(rec.source_addr_ton, 5);
	assert.strictEqual(rec.short_message_hex, Buffer.from('Your code is 492811').toString('hex'));
	assert.strictEqual(rec.text, 'Your code is 492811');
	assert.deepStrictEqual(rec.tlvs.map((t) => [t.tag, t.hex]), [
		['0x1400', Buffer.from(DLT.pe_id).toString('hex')],
		['0x1401', Buffer.from(DLT.template_id).toString('hex')]]);
	assert.strictEqual(rec.command_status, 0);
	assert.strictEqual(rec.message_id, '1001');
	assert.strictEqual(rec.bind, 'transceiver');
	const rc = await until(async () => (await get('/receipts')).find((x) => x.resp_status !== null));
	assert.strictEqual(rc.resp_status, 0x64);
	assert.strictEqual((await get('/stats')).receipts.resps['0x00000064'], 1);
	s.destroy();
});

test('a submit without a DLT TLV gets 0x45, ids may be decimal', async () => {
	const s = await bound();
	assert.strictEqual((await submit(s, {template_id: undefined})).command_status, 0x45);
	await mode({id_base: 'dec'});
	assert.strictEqual((await submit(s, {registered_delivery: 0})).message_id, '4097');
	s.destroy();
});

test('throttle, fail_next and drop_next_resp', async () => {
	const s = await bound();
	await mode({throttle: 2, dlr: false});
	const st = [];
	for (let i = 0; i < 4; i++)
		st.push((await submit(s)).command_status);
	assert.deepStrictEqual(st, [0, 0, 0x58, 0x58]);
	await sleep(1050);
	assert.strictEqual((await submit(s)).command_status, 0);
	await mode({throttle: 0, fail_next: 2, fail_status: 0x14});
	assert.strictEqual((await submit(s)).command_status, 0x14);
	assert.strictEqual((await submit(s)).command_status, 0x14);
	assert.strictEqual((await submit(s)).command_status, 0);
	await mode({drop_next_resp: 1});
	assert.strictEqual(await submit(s, {}, 400), null);
	assert.strictEqual((await submit(s)).command_status, 0);
	assert.strictEqual((await get('/stats')).submits.dropped_resps, 1);
	s.destroy();
});

test('delay_resp_ms delays the response', async () => {
	const s = await bound();
	await mode({delay_resp_ms: 300, dlr: false});
	const t = Date.now();
	assert.strictEqual((await submit(s)).command_status, 0);
	assert.ok(Date.now() - t >= 280);
	s.destroy();
});

test('receipt knobs: stat, err, id base, padding, case, TLVs, network error', async () => {
	const s = await bound();
	await mode({dlr_stat: 'UNDELIV', dlr_err: '023', dlr_id_base: 'dec', dlr_id_pad: 10,
		dlr_network_error: 'ascii'});
	const r = await submit(s);
	assert.strictEqual(r.message_id, '1001');
	const d = await until(() => s.inbox[0]);
	assert.strictEqual(d.receipted_message_id, '0000004097');
	assert.strictEqual(d.message_state, 5);
	assert.strictEqual(d.network_error_code.toString(), '023');
	assert.match(d.short_message.message, /^id:0000004097 sub:001 dlvrd:000 .* stat:UNDELIV err:023 /);
	await mode({dlr_stat: 'DELIVRD', dlr_err: '000', dlr_id_base: 'hex', dlr_id_pad: 0,
		dlr_id_case: 'lower', dlr_tlvs: false, dlr_network_error: 'binary', id_start: 0x1009});
	assert.strictEqual((await submit(s)).message_id, '100A');
	const e = await until(() => s.inbox[1]);
	assert.strictEqual(e.receipted_message_id, undefined);
	assert.strictEqual(e.message_state, undefined);
	assert.deepStrictEqual([...e.network_error_code], [3, 0, 0]);
	assert.match(e.short_message.message, /^id:100a /);
	s.destroy();
});

test('receipt shapes: reordered, no sub/dlvrd, 12-digit dates', async () => {
	const s = await bound();
	const shapes = {
		reordered: /^stat:DELIVRD err:000 id:1001 submit date:\d{10} done date:\d{10} sub:001 dlvrd:001 text:/,
		no_sub_dlvrd: /^id:1002 submit date:\d{10} done date:\d{10} stat:DELIVRD err:000$/,
		date12: /^id:1003 sub:001 dlvrd:001 submit date:\d{12} done date:\d{12} stat:DELIVRD/,
	};
	let i = 0;
	for (const [shape, re] of Object.entries(shapes)) {
		await mode({dlr_shape: shape});
		await submit(s);
		const d = await until(() => s.inbox[i]);
		assert.match(d.short_message.message, re);
		i++;
	}
	s.destroy();
});

test('duplicates, out of order, and a receipt before the response', async () => {
	const s = await bound();
	const order = [];
	s.on('deliver_sm', (p) => order.push(`deliver:${p.receipted_message_id}`));
	await mode({dlr_duplicates: 1, dlr_out_of_order: true});
	await submit(s);
	await until(() => s.inbox.length === 3);
	assert.deepStrictEqual(s.inbox.map((p) => p.message_state), [2, 2, 5]);
	assert.match(s.inbox[2].short_message.message, /stat:UNDELIV err:023/);
	await mode({dlr_duplicates: 0, dlr_out_of_order: false, dlr_before_resp: true});
	const r = await new Promise((resolve) => s.submit_sm(Object.assign({destination_addr: '919876543210',
		registered_delivery: 1, short_message: Buffer.from('x')}, DLT), (resp) => {
		order.push(`resp:${resp.message_id}`);
		resolve(resp);
	}));
	assert.strictEqual(r.message_id, '1002');
	assert.deepStrictEqual(order.slice(-2), ['deliver:1002', 'resp:1002']);
	s.destroy();
});

test('failure-only receipts, and none unless asked', async () => {
	const s = await bound();
	await submit(s, {registered_delivery: 2});
	await submit(s, {registered_delivery: 0});
	await sleep(200);
	assert.strictEqual(s.inbox.length, 0);
	await mode({dlr_stat: 'EXPIRED'});
	await submit(s, {registered_delivery: 2});
	const d = await until(() => s.inbox[0]);
	assert.strictEqual(d.message_state, 3);
	s.destroy();
});

test('a transmitter submits, its receiver gets the receipt', async () => {
	const tx = await bound('bind_transmitter');
	const rx = await bound('bind_receiver');
	assert.strictEqual((await submit(rx)).command_status, smpp.ESME_RINVBNDSTS);
	assert.strictEqual((await submit(tx)).command_status, 0);
	const d = await until(() => rx.inbox[0]);
	assert.strictEqual(d.receipted_message_id, '1001');
	assert.strictEqual(tx.inbox.length, 0);
	const st = await get('/stats');
	assert.strictEqual(st.binds.transmitter, 1);
	assert.strictEqual(st.binds.receiver, 1);
	tx.destroy();
	rx.destroy();
});

test('UCS2 with a UDH is recorded as octets and as text', async () => {
	const s = await bound();
	await mode({dlr: false});
	const sm = Buffer.concat([Buffer.from([5, 0, 3, 0x42, 2, 1]), Buffer.from('0906092a0915093e', 'hex')]);
	await submit(s, {esm_class: 0x40, data_coding: 8, short_message: sm});
	const rec = (await get('/received'))[0];
	assert.strictEqual(rec.short_message_hex, sm.toString('hex'));
	assert.strictEqual(rec.udh_hex, '0003420201');
	assert.strictEqual(rec.text, '\u0906\u092a\u0915\u093e');
	assert.strictEqual(rec.data_coding, 8);
	assert.strictEqual(rec.esm_class, 0x40);
	s.destroy();
});

test('the SMSC enquires, and records whether the client answered', async () => {
	const s = await bound();
	s.answerEnquire = false;
	await mode({enquire_link_ms: 100, enquire_link_timeout_ms: 50});
	await until(async () => (await get('/stats')).server_enquire_links.unanswered >= 1);
	s.answerEnquire = true;
	await until(async () => (await get('/stats')).server_enquire_links.answered >= 1);
	await mode({enquire_link_ms: 0});
	const info = (await get('/sessions')).find((x) => x.bind === 'transceiver' && !x.closed_at);
	assert.ok(info.server_enquire_links.sent >= 2);
	s.destroy();
});

test('close_after, close_now, unbind, and another request', async () => {
	let s = await bound();
	await mode({close_after: 2, dlr: false});
	await submit(s);
	assert.ok(!s.closed);
	await submit(s);
	await until(() => s.closed);
	s = await bound();
	await mode({close_now: true});
	await until(() => s.closed);
	assert.strictEqual((await get('/mode')).close_now, undefined);
	s = await bound();
	const q = await call(s, 'query_sm', {message_id: '1001'});
	assert.strictEqual(q.command, 'generic_nack');
	assert.strictEqual(q.command_status, smpp.ESME_RINVCMDID);
	assert.strictEqual((await call(s, 'unbind', {})).command_status, 0);
	await until(() => s.closed);
	assert.strictEqual((await get('/stats')).unbinds, 1);
	await until(async () => (await get('/stats')).sessions.open === 0);
});

test('the control API refuses bad knobs and unknown routes', async () => {
	assert.strictEqual((await control('POST', '/mode', {no_such: 1})).status, 400);
	assert.strictEqual((await control('POST', '/mode', {throttle: -1})).status, 400);
	assert.strictEqual((await control('POST', '/mode', {dlr_shape: 'odd'})).status, 400);
	assert.strictEqual((await control('POST', '/mode', [1])).status, 400);
	assert.strictEqual((await control('GET', '/nothing')).status, 404);
	assert.strictEqual((await get('/mode')).throttle, 0);
});

async function main() {
	smsc = spawn(process.execPath, [path.join(__dirname, 'smsc.js'), '--port', '0', '--control-port', '0'],
		{stdio: ['ignore', 'pipe', 'inherit']});
	ports = await new Promise((resolve, reject) => {
		let out = '';
		smsc.stdout.on('data', (c) => {
			out += c;
			const line = out.split('\n').find((l) => l.includes('listening'));
			if (line)
				resolve(JSON.parse(line));
		});
		smsc.on('exit', (code) => reject(new Error(`smsc exited ${code}`)));
	});
	let passed = 0, failed = 0;
	for (const t of tests) {
		await control('POST', '/reset');
		try {
			await t.fn();
			passed++;
			console.log(`ok - ${t.name}`);
		} catch (e) {
			failed++;
			console.log(`not ok - ${t.name}\n  ${e.stack.split('\n').slice(0, 3).join('\n  ')}`);
		}
		await sleep(50);
	}
	const exited = new Promise((resolve) => smsc.on('exit', (code, signal) => resolve({code, signal})));
	smsc.kill('SIGTERM');
	const how = await exited;
	if (how.code === 0) {
		passed++;
		console.log('ok - SIGTERM stops the SMSC cleanly');
	} else {
		failed++;
		console.log(`not ok - SIGTERM stops the SMSC cleanly (${JSON.stringify(how)})`);
	}
	console.log(`${passed} passed, ${failed} failed`);
	process.exit(failed ? 1 : 0);
}

main().catch((e) => {
	console.error(e);
	if (smsc)
		smsc.kill('SIGTERM');
	process.exit(1);
});
