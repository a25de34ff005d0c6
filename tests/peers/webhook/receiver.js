#!/usr/bin/env node
/*
 * A tenant's webhook endpoint, for integration tests of otpgate's Standard
 * Webhooks deliveries (UPSTREAMS.md §4). Every delivery is verified with the
 * reference implementation, the standardwebhooks package pinned in
 * package.json (`new Webhook(secret).verify(body, headers)`), never with
 * otpgate's own code, against each currently configured secret in turn, so
 * a rotation (old and new secret both live) can be tested. Every delivery is
 * recorded, and a control API scripts how the endpoint answers.
 *
 * Install (once; no lockfile is written or committed, see .npmrc):
 *   npm install --no-package-lock --prefix tests/peers/webhook
 * Run:
 *   PORT=0 WEBHOOK_SECRETS="whsec_… whsec_…" node tests/peers/webhook/receiver.js
 *   node tests/peers/webhook/receiver.js 8099
 * It listens on 127.0.0.1 only, on the port given as the first argument,
 * else PORT (environment), else 0 (any free port). Once listening it prints
 * one JSON line on stdout, {"port":N,"control":"/_control/"}, and nothing
 * else on stdout.
 * WEBHOOK_SECRETS (optional): the initial secrets, separated by spaces or
 * commas. SIGTERM or SIGINT: hung requests are dropped, open connections
 * closed, and it exits 0.
 *
 * Deliveries: any request whose path does not start with /_control/. The
 * request body is read up to BODY_MAX bytes (past that: 413, recorded).
 * The package also refuses a webhook-timestamp more than 5 minutes from
 * this machine's clock ("Message timestamp too old" or "too new"), so a
 * test can check that every attempt is signed with a fresh timestamp.
 * How a delivery is answered, in this order (each *_next counter is used up
 * by one delivery):
 *   1. hang_next > 0: the request is accepted and not answered. With
 *      hang_ms 0 it is never answered (until the client gives up, a reset or
 *      exit); with hang_ms > 0 it is answered after that many milliseconds
 *      as by steps 4-5.
 *   2. fail_next > 0: 500.
 *   3. status_next > 0: status (e.g. 410, 429, 302, 503), with Retry-After:
 *      retry_after (seconds) if set, and Location: location if set.
 *   4. The signature did not verify and reject_unverified is true: 401.
 *   5. default_status (200 or 204) with default_body (not for 204).
 *
 * Control API, JSON in and out, on the same port under /_control/:
 *   GET  /_control/received[?since=SEQ]  {"deliveries":[…],"count":N,"dropped":N}:
 *        the deliveries with seq > SEQ (default all), oldest first. Each has
 *        seq, method, path, received_at (ISO 8601), received_at_ms,
 *        webhook_id, webhook_timestamp, webhook_signature (the headers as
 *        sent, or null), content_type, body (parsed JSON, or null),
 *        body_text (the raw body as UTF-8), body_json_error (or null),
 *        verified (true/false), error (why not, or null), secret_index (which
 *        configured secret verified it, or null), hung (step 1 applied),
 *        response ({status, headers, body}, or null while unanswered),
 *        answered_at (ISO 8601, or null), client_closed (the client went
 *        away before an answer). At most RECEIVED_MAX are kept; older ones
 *        are dropped and counted.
 *   POST /_control/reset     forgets every delivery (seq restarts at 1),
 *                            drops hung requests, restores the default mode;
 *                            the secrets stay.
 *   GET  /_control/secrets   {"secrets":[…]}
 *   POST /_control/secrets   {"secrets":["whsec_…", …]}: replaces the list
 *                            (0 to SECRETS_MAX); 400 unless each is whsec_ +
 *                            canonical padded base64 of 24-64 bytes that the
 *                            package accepts.
 *   GET  /_control/mode      the knobs below, as they stand.
 *   POST /_control/mode      {knob: value, …}: sets the knobs given, keeps
 *                            the rest; 400 for an unknown knob or bad value.
 * Knobs (default):
 *   fail_next (0)            deliveries to answer 500
 *   status_next (0)          deliveries to answer with status
 *   status (503)             100-599, the status for status_next
 *   retry_after (null)       seconds, sent as Retry-After with status_next
 *   location (null)          URL, sent as Location with status_next
 *   hang_next (0)            deliveries to leave hanging
 *   hang_ms (0)              0: hang for good; else answer after this many ms
 *   default_status (204)     200 or 204
 *   default_body ("")        the body of a default 200
 *   reject_unverified (true) answer 401 to a delivery that does not verify
 */
'use strict';

const http = require('http');
const { Webhook } = require('standardwebhooks');

const HOST = '127.0.0.1';
const CONTROL_PREFIX = '/_control/';
const BODY_MAX = 1024 * 1024; // bytes of a delivery's body read
const CONTROL_BODY_MAX = 64 * 1024; // bytes of a control request's body
const RECEIVED_MAX = 10000; // deliveries kept
const SECRETS_MAX = 16; // secrets configured at once
const COUNTER_MAX = 1000000; // any *_next
const HANG_MS_MAX = 10 * 60 * 1000;
const SECRET_BYTES_MIN = 24; // Standard Webhooks: a secret holds 24-64 bytes
const SECRET_BYTES_MAX = 64;
const SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

const DEFAULT_MODE = Object.freeze({
  fail_next: 0,
  status_next: 0,
  status: 503,
  retry_after: null,
  location: null,
  hang_next: 0,
  hang_ms: 0,
  default_status: 204,
  default_body: '',
  reject_unverified: true,
});

// Each knob's check: returns the value to store, or throws a message.
const isCount = (max) => (v) => {
  if (!Number.isInteger(v) || v < 0 || v > max) throw `an integer 0-${max}`;
  return v;
};
const KNOBS = {
  fail_next: isCount(COUNTER_MAX),
  status_next: isCount(COUNTER_MAX),
  status: (v) => {
    if (!Number.isInteger(v) || v < 100 || v > 599) throw 'an HTTP status 100-599';
    return v;
  },
  retry_after: (v) => (v === null ? null : isCount(86400)(v)),
  location: (v) => {
    if (v !== null && (typeof v !== 'string' || v.length === 0 || /[\r\n]/.test(v))) throw 'a URL or null';
    return v;
  },
  hang_next: isCount(COUNTER_MAX),
  hang_ms: isCount(HANG_MS_MAX),
  default_status: (v) => {
    if (v !== 200 && v !== 204) throw '200 or 204';
    return v;
  },
  default_body: (v) => {
    if (typeof v !== 'string' || v.length > CONTROL_BODY_MAX) throw 'a string';
    return v;
  },
  reject_unverified: (v) => {
    if (typeof v !== 'boolean') throw 'true or false';
    return v;
  },
};

let mode = { ...DEFAULT_MODE };
let secrets = [];
let deliveries = [];
let seq = 0;
let dropped = 0;
const hung = new Set(); // {res, timer} of requests not yet answered on purpose

// The reference accepts almost any string (even without the prefix or with
// bad base64), so the spec's rule is checked here: a test that configures a
// malformed secret fails at once, not later as a puzzling verify failure.
function checkSecret(s) {
  if (typeof s !== 'string' || !SECRET_PATTERN.test(s)) throw new Error('secrets: each is whsec_ + padded base64');
  const b64 = s.slice('whsec_'.length);
  const key = Buffer.from(b64, 'base64');
  if (key.toString('base64') !== b64) throw new Error(`secrets: ${s} is not canonical base64`);
  if (key.length < SECRET_BYTES_MIN || key.length > SECRET_BYTES_MAX)
    throw new Error(`secrets: ${s} holds ${key.length} bytes, not ${SECRET_BYTES_MIN}-${SECRET_BYTES_MAX}`);
  new Webhook(s); // and the reference takes it
}

function checkSecrets(list) {
  if (!Array.isArray(list) || list.length > SECRETS_MAX) throw new Error(`secrets: a list of at most ${SECRETS_MAX}`);
  list.forEach(checkSecret);
  return list.slice();
}

function sendJson(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

// Answers a delivery and notes the answer in its record.
function answer(res, record, status, headers, body) {
  if (res.writableEnded || res.destroyed) return;
  const h = { ...headers };
  if (status !== 204 && status !== 304) h['content-length'] = Buffer.byteLength(body);
  else body = '';
  res.writeHead(status, h);
  res.end(body);
  record.response = { status, headers: h, body };
  record.answered_at = new Date().toISOString();
}

// Steps 4-5: what a delivery gets when no failure is scripted for it.
function answerNormally(res, record) {
  if (!record.verified && mode.reject_unverified) {
    answer(res, record, 401, { 'content-type': 'application/json' }, JSON.stringify({ error: record.error }));
    return;
  }
  if (mode.default_status === 204) answer(res, record, 204, {}, '');
  else answer(res, record, 200, { 'content-type': 'text/plain' }, mode.default_body);
}

function verify(body, headers) {
  if (secrets.length === 0) return { verified: false, error: 'no secrets configured', secret_index: null };
  let error = null;
  for (let i = 0; i < secrets.length; i++) {
    try {
      // jsonParse off: a signature is valid or not whatever the body is;
      // the body is parsed for the record below.
      new Webhook(secrets[i]).verify(body, headers, { jsonParse: false });
      return { verified: true, error: null, secret_index: i };
    } catch (e) {
      if (error === null) error = e && e.message ? e.message : String(e);
    }
  }
  return { verified: false, error, secret_index: null };
}

function record(req, body, tooLarge) {
  const now = new Date();
  const text = body.toString('utf8');
  let parsed = null;
  let jsonError = null;
  if (!tooLarge && body.length > 0) {
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      jsonError = e.message;
    }
  }
  const v = tooLarge
    ? { verified: false, error: `body exceeds ${BODY_MAX} bytes`, secret_index: null }
    : verify(body, req.headers);
  const r = {
    seq: ++seq,
    method: req.method,
    path: req.url,
    received_at: now.toISOString(),
    received_at_ms: now.getTime(),
    webhook_id: req.headers['webhook-id'] ?? null,
    webhook_timestamp: req.headers['webhook-timestamp'] ?? null,
    webhook_signature: req.headers['webhook-signature'] ?? null,
    content_type: req.headers['content-type'] ?? null,
    body: parsed,
    body_text: tooLarge ? null : text,
    body_json_error: jsonError,
    verified: v.verified,
    error: v.error,
    secret_index: v.secret_index,
    hung: false,
    response: null,
    answered_at: null,
    client_closed: false,
  };
  deliveries.push(r);
  if (deliveries.length > RECEIVED_MAX) {
    deliveries.shift();
    dropped++;
  }
  return r;
}

function handleDelivery(req, res, body, tooLarge) {
  const r = record(req, body, tooLarge);
  res.on('close', () => {
    if (!res.writableEnded) r.client_closed = true;
  });
  if (tooLarge) {
    answer(res, r, 413, { 'content-type': 'text/plain' }, 'too large');
    return;
  }
  if (mode.hang_next > 0) {
    mode.hang_next--;
    r.hung = true;
    const entry = { res, timer: null };
    hung.add(entry);
    res.on('close', () => {
      if (entry.timer) clearTimeout(entry.timer);
      hung.delete(entry);
    });
    if (mode.hang_ms > 0) {
      entry.timer = setTimeout(() => {
        hung.delete(entry);
        answerNormally(res, r);
      }, mode.hang_ms);
    }
    return;
  }
  if (mode.fail_next > 0) {
    mode.fail_next--;
    answer(res, r, 500, { 'content-type': 'text/plain' }, 'fail_next');
    return;
  }
  if (mode.status_next > 0) {
    mode.status_next--;
    const h = { 'content-type': 'text/plain' };
    if (mode.retry_after !== null) h['retry-after'] = String(mode.retry_after);
    if (mode.location !== null) h.location = mode.location;
    answer(res, r, mode.status, h, `status_next ${mode.status}`);
    return;
  }
  answerNormally(res, r);
}

function dropHung() {
  for (const entry of hung) {
    if (entry.timer) clearTimeout(entry.timer);
    entry.res.destroy();
  }
  hung.clear();
}

function handleControl(req, res, body) {
  const url = new URL(req.url, `http://${HOST}`);
  const what = url.pathname.slice(CONTROL_PREFIX.length);
  let input = null;
  if (req.method === 'POST' && body.length > 0) {
    try {
      input = JSON.parse(body.toString('utf8'));
    } catch (e) {
      return sendJson(res, 400, { error: `invalid JSON: ${e.message}` });
    }
  }
  const route = `${req.method} ${what}`;
  switch (route) {
    case 'GET received': {
      const since = url.searchParams.has('since') ? Number(url.searchParams.get('since')) : 0;
      if (!Number.isInteger(since) || since < 0) return sendJson(res, 400, { error: 'since: a seq' });
      const list = deliveries.filter((d) => d.seq > since);
      return sendJson(res, 200, { deliveries: list, count: list.length, dropped });
    }
    case 'POST reset':
      dropHung();
      deliveries = [];
      seq = 0;
      dropped = 0;
      mode = { ...DEFAULT_MODE };
      return sendJson(res, 200, { ok: true });
    case 'GET secrets':
      return sendJson(res, 200, { secrets });
    case 'POST secrets':
      try {
        if (!input || typeof input !== 'object') throw new Error('expected {"secrets":[…]}');
        secrets = checkSecrets(input.secrets);
      } catch (e) {
        return sendJson(res, 400, { error: e.message });
      }
      return sendJson(res, 200, { secrets: secrets.length });
    case 'GET mode':
      return sendJson(res, 200, mode);
    case 'POST mode': {
      if (!input || typeof input !== 'object' || Array.isArray(input))
        return sendJson(res, 400, { error: 'expected an object of knobs' });
      const next = { ...mode };
      for (const [k, v] of Object.entries(input)) {
        if (!Object.hasOwn(KNOBS, k)) return sendJson(res, 400, { error: `unknown knob ${k}` });
        try {
          next[k] = KNOBS[k](v);
        } catch (msg) {
          return sendJson(res, 400, { error: `${k}: ${msg}` });
        }
      }
      mode = next;
      return sendJson(res, 200, mode);
    }
    default:
      if (['received', 'reset', 'secrets', 'mode'].includes(what))
        return sendJson(res, 405, { error: `${req.method} not allowed on ${what}` });
      return sendJson(res, 404, { error: `no control route ${what}` });
  }
}

const server = http.createServer((req, res) => {
  const control = req.url.startsWith(CONTROL_PREFIX);
  const max = control ? CONTROL_BODY_MAX : BODY_MAX;
  const chunks = [];
  let size = 0;
  let tooLarge = false;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size > max) tooLarge = true;
    else chunks.push(chunk);
  });
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    if (control) {
      if (tooLarge) return sendJson(res, 413, { error: `control body exceeds ${max} bytes` });
      return handleControl(req, res, body);
    }
    handleDelivery(req, res, body, tooLarge);
  });
});

function main() {
  const portText = process.argv[2] ?? process.env.PORT ?? '0';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`receiver: bad port ${portText}\n`);
    process.exit(2);
  }
  try {
    const initial = (process.env.WEBHOOK_SECRETS ?? '').split(/[\s,]+/).filter((s) => s.length > 0);
    secrets = checkSecrets(initial);
  } catch (e) {
    process.stderr.write(`receiver: WEBHOOK_SECRETS: ${e.message}\n`);
    process.exit(2);
  }
  server.on('error', (e) => {
    process.stderr.write(`receiver: ${e.message}\n`);
    process.exit(1);
  });
  server.listen(port, HOST, () => {
    process.stdout.write(`${JSON.stringify({ port: server.address().port, control: CONTROL_PREFIX })}\n`);
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    dropHung();
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
