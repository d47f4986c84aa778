"use strict";
/**
 * Verifying VocalIA's webhook deliveries (contract §7). Every delivery carries two signatures:
 *
 * - `X-VocalIA-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`, checked by
 *   `verifyWebhook`, the API reference's own snippet unchanged;
 * - Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`,
 *   several during a secret rotation), checked by `verifyStandardWebhook`, which also refuses
 *   a replay outside the timestamp tolerance.
 *
 * Always pass the raw body as received (a string or Buffer), never a re-serialised object.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.verifyWebhook = verifyWebhook;
exports.isValidWebhookSignature = isValidWebhookSignature;
exports.signWebhook = signWebhook;
exports.signStandardWebhook = signStandardWebhook;
exports.verifyStandardWebhook = verifyStandardWebhook;
const node_crypto_1 = require("node:crypto");
const errors_js_1 = require("./errors.js");
/**
 * The API reference's `verifyWebhook`, with the same behaviour: true when `signature` is
 * `sha256=` + the hex HMAC-SHA256 of `payload` keyed with the whole `secret` string; false for
 * another signature of the same length; and, like the reference, it throws (a RangeError from
 * `crypto.timingSafeEqual`) when the lengths differ, or a TypeError when `signature` is
 * missing. `isValidWebhookSignature` answers false in those cases instead.
 */
function verifyWebhook(payload, signature, secret) {
    const expected = (0, node_crypto_1.createHmac)("sha256", secret).update(payload).digest("hex");
    return (0, node_crypto_1.timingSafeEqual)(Buffer.from(signature), Buffer.from("sha256=" + expected));
}
/** `verifyWebhook` that never throws: a missing, malformed or wrong-length header is false. */
function isValidWebhookSignature(payload, signature, secret) {
    const value = Array.isArray(signature) ? signature[0] : signature;
    if (typeof value !== "string")
        return false;
    const expected = Buffer.from("sha256=" + (0, node_crypto_1.createHmac)("sha256", secret).update(payload).digest("hex"));
    const given = Buffer.from(value);
    return given.length === expected.length && (0, node_crypto_1.timingSafeEqual)(given, expected);
}
/** The X-VocalIA-Signature value of a body (to test your own receiver). */
function signWebhook(payload, secret) {
    return "sha256=" + (0, node_crypto_1.createHmac)("sha256", secret).update(payload).digest("hex");
}
function header(headers, name) {
    if (typeof headers.get === "function") {
        return headers.get(name) ?? undefined;
    }
    const record = headers;
    for (const key of Object.keys(record)) {
        if (key.toLowerCase() === name) {
            const value = record[key];
            return Array.isArray(value) ? value[0] : value;
        }
    }
    return undefined;
}
function keyOf(secret) {
    if (typeof secret !== "string")
        return Buffer.from(secret);
    const b64 = secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret;
    return Buffer.from(b64, "base64");
}
function bytesOf(payload) {
    if (typeof payload === "string")
        return Buffer.from(payload, "utf8");
    if (payload instanceof Uint8Array)
        return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    throw new TypeError("pass the raw request body (a string or Buffer), not a parsed object");
}
/** The `v1,<base64>` signature of a delivery (to test your own receiver). */
function signStandardWebhook(secret, msgId, timestamp, payload) {
    const mac = (0, node_crypto_1.createHmac)("sha256", keyOf(secret));
    mac.update(`${msgId}.${timestamp}.`);
    mac.update(bytesOf(payload));
    return "v1," + mac.digest("base64");
}
/**
 * Checks a delivery's Standard Webhooks headers against one secret (`whsec_…`) or several
 * (during your own rotation), and returns the parsed event. Any signature of the header may
 * match. Throws `WebhookVerificationError` on missing headers, a timestamp outside the
 * tolerance (a replay), or no matching signature.
 */
function verifyStandardWebhook(payload, headers, secret, options = {}) {
    const id = header(headers, "webhook-id");
    const stamp = header(headers, "webhook-timestamp");
    const signatures = header(headers, "webhook-signature");
    if (!id || !stamp || !signatures) {
        throw new errors_js_1.WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature header");
    }
    if (!/^\d{1,15}$/.test(stamp))
        throw new errors_js_1.WebhookVerificationError("invalid webhook-timestamp");
    const timestamp = Number(stamp);
    const now = options.now === undefined
        ? Date.now() / 1000
        : options.now instanceof Date
            ? options.now.getTime() / 1000
            : options.now;
    const tolerance = options.toleranceSeconds ?? 300;
    if (timestamp < now - tolerance)
        throw new errors_js_1.WebhookVerificationError("webhook-timestamp is too old");
    if (timestamp > now + tolerance)
        throw new errors_js_1.WebhookVerificationError("webhook-timestamp is in the future");
    const body = bytesOf(payload);
    const given = signatures
        .split(" ")
        .filter((part) => part.startsWith("v1,"))
        .map((part) => Buffer.from(part.slice(3), "base64"));
    const secrets = Array.isArray(secret) ? secret : [secret];
    let ok = false;
    for (const s of secrets) {
        const mac = (0, node_crypto_1.createHmac)("sha256", keyOf(s));
        mac.update(`${id}.${stamp}.`);
        mac.update(body);
        const expected = mac.digest();
        for (const candidate of given) {
            // Every comparison runs, so the time taken does not tell which one matched.
            if (candidate.length === expected.length && (0, node_crypto_1.timingSafeEqual)(candidate, expected))
                ok = true;
        }
    }
    if (!ok)
        throw new errors_js_1.WebhookVerificationError("no matching signature in webhook-signature");
    try {
        return JSON.parse(body.toString("utf8"));
    }
    catch {
        throw new errors_js_1.WebhookVerificationError("the payload is not JSON");
    }
}
