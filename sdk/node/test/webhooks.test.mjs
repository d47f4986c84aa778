// verifyWebhook behaves exactly as the API reference's snippet; Standard Webhooks verification
// follows the specification (its published test vector), with tolerance and several signatures.
import assert from "node:assert/strict";
import crypto from "node:crypto";
import test from "node:test";

import {
  WebhookVerificationError,
  isValidWebhookSignature,
  signStandardWebhook,
  signWebhook,
  verifyStandardWebhook,
  verifyWebhook,
} from "@vocalia/sdk";

// The reference's snippet, verbatim (docs, "Webhooks - Sécurité").
function referenceVerifyWebhook(payload, signature, secret) { const expected = crypto .createHmac('sha256', secret) .update(payload) .digest('hex'); return crypto.timingSafeEqual( Buffer.from(signature), Buffer.from('sha256=' + expected) ); }

function outcome(fn, ...args) {
  try {
    return { value: fn(...args) };
  } catch (error) {
    return { error: error.constructor.name, code: error.code, message: error.message };
  }
}

const SECRET = "whsec_" + Buffer.alloc(32, 7).toString("base64");
const BODY = JSON.stringify({ id: "evt_1", event: "call.completed", data: { callId: "call_x", note: "déjà vu ✓" } });
const GOOD = "sha256=" + crypto.createHmac("sha256", SECRET).update(BODY).digest("hex");

test("verifyWebhook gives the reference snippet's answer, or its exception, for every input", () => {
  const flip = GOOD.slice(0, -1) + (GOOD.endsWith("0") ? "1" : "0");
  const cases = [
    [BODY, GOOD, SECRET],
    [Buffer.from(BODY), GOOD, SECRET],
    [BODY, flip, SECRET],
    [BODY, GOOD.toUpperCase(), SECRET],
    [BODY, GOOD.slice(7), SECRET], // no sha256= prefix: another length
    [BODY, GOOD + "00", SECRET],
    [BODY, "", SECRET],
    [BODY, GOOD, "another-secret"],
    [BODY + " ", GOOD, SECRET],
    ["", "sha256=" + crypto.createHmac("sha256", SECRET).update("").digest("hex"), SECRET],
    [BODY, undefined, SECRET],
    [BODY, GOOD, Buffer.from(SECRET)],
  ];
  let trues = 0;
  let throws = 0;
  for (const args of cases) {
    const ours = outcome(verifyWebhook, ...args);
    const theirs = outcome(referenceVerifyWebhook, ...args);
    assert.deepEqual(ours, theirs, JSON.stringify(args.map(String)));
    if (ours.value === true) trues++;
    if (ours.error) throws++;
  }
  assert.equal(trues, 4); // string and Buffer body, empty body, Buffer secret
  assert.equal(throws, 4); // three lengths that differ, and a missing signature
});

test("isValidWebhookSignature answers false where the snippet would throw", () => {
  assert.equal(isValidWebhookSignature(BODY, GOOD, SECRET), true);
  assert.equal(isValidWebhookSignature(BODY, [GOOD], SECRET), true);
  assert.equal(isValidWebhookSignature(BODY, GOOD.slice(7), SECRET), false);
  assert.equal(isValidWebhookSignature(BODY, undefined, SECRET), false);
  assert.equal(isValidWebhookSignature(BODY, "", SECRET), false);
  assert.equal(isValidWebhookSignature(BODY + "x", GOOD, SECRET), false);
  assert.equal(signWebhook(BODY, SECRET), GOOD);
});

// https://github.com/standard-webhooks/standard-webhooks (specification's example).
const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  payload: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

function headersFor(signature, id = VECTOR.id, timestamp = VECTOR.timestamp) {
  return { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": signature };
}

test("Standard Webhooks: the specification's test vector verifies and returns the event", () => {
  assert.equal(signStandardWebhook(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.payload), VECTOR.signature);
  const event = verifyStandardWebhook(VECTOR.payload, headersFor(VECTOR.signature), VECTOR.secret, {
    now: VECTOR.timestamp + 10,
  });
  assert.deepEqual(event, { test: 2432232314 });
  // A Buffer body, fetch Headers and Node's header objects (arrays, any case) work the same.
  const asHeaders = new Headers(headersFor(VECTOR.signature));
  const nodeStyle = { "Webhook-Id": [VECTOR.id], "WEBHOOK-TIMESTAMP": String(VECTOR.timestamp), "webhook-signature": VECTOR.signature };
  for (const headers of [asHeaders, nodeStyle]) {
    assert.deepEqual(verifyStandardWebhook(Buffer.from(VECTOR.payload), headers, VECTOR.secret, { now: new Date(VECTOR.timestamp * 1000) }), { test: 2432232314 });
  }
});

function refused(fn, message) {
  assert.throws(fn, (error) => error instanceof WebhookVerificationError && message.test(error.message));
}

test("Standard Webhooks: timestamps outside the tolerance are refused (replays)", () => {
  const h = headersFor(VECTOR.signature);
  const verify = (now, toleranceSeconds) => verifyStandardWebhook(VECTOR.payload, h, VECTOR.secret, { now, toleranceSeconds });
  refused(() => verify(VECTOR.timestamp + 301), /too old/);
  refused(() => verify(VECTOR.timestamp - 301), /future/);
  assert.ok(verify(VECTOR.timestamp + 300));
  assert.ok(verify(VECTOR.timestamp + 3000, 3600));
  refused(() => verify(VECTOR.timestamp + 11, 10), /too old/);
  // Without `now`, the clock: the vector's 2021 timestamp is far too old.
  refused(() => verifyStandardWebhook(VECTOR.payload, h, VECTOR.secret), /too old/);
});

test("Standard Webhooks: any of several signatures, any of several secrets", () => {
  const now = Math.floor(Date.now() / 1000);
  const body = BODY;
  const old = "whsec_" + Buffer.alloc(32, 1).toString("base64");
  const sigNew = signStandardWebhook(SECRET, "evt_1", now, body);
  const sigOld = signStandardWebhook(old, "evt_1", now, body);
  // The server signs with the new and the previous secret during a rotation.
  const both = headersFor(`${sigNew} ${sigOld}`, "evt_1", now);
  assert.equal(verifyStandardWebhook(body, both, SECRET).id, "evt_1");
  assert.equal(verifyStandardWebhook(body, both, old).id, "evt_1");
  // An unknown version and a bad signature are ignored when another one matches.
  assert.equal(verifyStandardWebhook(body, headersFor(`v2,xxxx v1,AAAA ${sigNew}`, "evt_1", now), SECRET).id, "evt_1");
  // The receiver's own rotation: a list of secrets.
  assert.equal(verifyStandardWebhook(body, headersFor(sigOld, "evt_1", now), [SECRET, old]).id, "evt_1");
  refused(() => verifyStandardWebhook(body, headersFor(sigOld, "evt_1", now), SECRET), /no matching signature/);
});

test("Standard Webhooks: tampering and missing headers are refused", () => {
  const now = Math.floor(Date.now() / 1000);
  const sig = signStandardWebhook(SECRET, "evt_1", now, BODY);
  refused(() => verifyStandardWebhook(BODY.replace("call_x", "call_y"), headersFor(sig, "evt_1", now), SECRET), /no matching/);
  refused(() => verifyStandardWebhook(BODY, headersFor(sig, "evt_2", now), SECRET), /no matching/);
  refused(() => verifyStandardWebhook(BODY, headersFor(sig, "evt_1", now + 1), SECRET), /no matching/);
  refused(() => verifyStandardWebhook(BODY, headersFor(sig.replace("v1,", "v2,"), "evt_1", now), SECRET), /no matching/);
  refused(() => verifyStandardWebhook(BODY, { "webhook-id": "evt_1", "webhook-timestamp": String(now) }, SECRET), /missing/);
  refused(() => verifyStandardWebhook(BODY, headersFor(sig, "evt_1", "12x"), SECRET), /invalid webhook-timestamp/);
  assert.throws(() => verifyStandardWebhook(JSON.parse(BODY), headersFor(sig, "evt_1", now), SECRET), TypeError);
});
