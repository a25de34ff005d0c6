// Prints the signatures tests/unit/test_webhook_sig.c expects, computed by
// the reference implementation (the standardwebhooks package pinned in
// package.json), so the C test checks otpgate against the spec's own
// library rather than against itself. Run: node tests/peers/webhook/vectors.js
// and paste the output into the test if the vectors ever change.
'use strict';
const { Webhook } = require('standardwebhooks');

const bytes = (n, f) => Buffer.from(Array.from({ length: n }, (_, i) => f(i) & 0xff));
const secrets = {
  spec24: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', // the example secret of the spec's libraries, 24 bytes
  seq32: 'whsec_' + bytes(32, (i) => i).toString('base64'), // bytes 0..31
  rev64: 'whsec_' + bytes(64, (i) => 255 - i).toString('base64'), // bytes 255..192
};
const messages = [
  ['json', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, Buffer.from('{"test": 2432232314}')],
  ['empty', 'msg_empty', 1700000000, Buffer.alloc(0)],
  ['utf8', 'msg_2Lm-utf_8', 1733300000, Buffer.from('{"text":"आपका कोड 492811\\n","n":1}\n')],
  ['binary', 'm', 0, bytes(8, (i) => [0, 1, 0x2e, 0xff, 0, 0x0a, 0x80, 0x7f][i])],
];
for (const [sname, secret] of Object.entries(secrets)) {
  console.log(`// ${sname}: ${secret}`);
  const wh = new Webhook(secret);
  for (const [mname, id, ts, body] of messages) {
    console.log(`${sname} ${mname} ${wh.sign(id, new Date(ts * 1000), body)}`);
  }
}
