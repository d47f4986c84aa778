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

import { createHmac, timingSafeEqual, type BinaryLike, type KeyObject } from "node:crypto";

import { WebhookVerificationError } from "./errors.js";

/**
 * The API reference's `verifyWebhook`, with the same behaviour: true when `signature` is
 * `sha256=` + the hex HMAC-SHA256 of `payload` keyed with the whole `secret` string; false for
 * another signature of the same length; and, like the reference, it throws (a RangeError from
 * `crypto.timingSafeEqual`) when the lengths differ, or a TypeError when `signature` is
 * missing. `isValidWebhookSignature` answers false in those cases instead.
 */
export function verifyWebhook(payload: BinaryLike, signature: string, secret: BinaryLike | KeyObject): boolean {
  const expected = createHmac("sha256", secret).update(payload).digest("hex");
  return timingSafeEqual(Buffer.from(signature), Buffer.from("sha256=" + expected));
}

/** `verifyWebhook` that never throws: a missing, malformed or wrong-length header is false. */
export function isValidWebhookSignature(
  payload: BinaryLike,
  signature: string | string[] | null | undefined,
  secret: BinaryLike | KeyObject,
): boolean {
  const value = Array.isArray(signature) ? signature[0] : signature;
  if (typeof value !== "string") return false;
  const expected = Buffer.from("sha256=" + createHmac("sha256", secret).update(payload).digest("hex"));
  const given = Buffer.from(value);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The X-VocalIA-Signature value of a body (to test your own receiver). */
export function signWebhook(payload: BinaryLike, secret: BinaryLike | KeyObject): string {
  return "sha256=" + createHmac("sha256", secret).update(payload).digest("hex");
}

/** Request headers as Node (`req.headers`), fetch (`Headers`) or a plain object give them. */
export type HeadersLike =
  | Headers
  | { get(name: string): string | null }
  | Record<string, string | string[] | undefined>;

function header(headers: HeadersLike, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === "function") {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Record<string, string | string[] | undefined>;
  for (const key of Object.keys(record)) {
    if (key.toLowerCase() === name) {
      const value = record[key];
      return Array.isArray(value) ? value[0] : value;
    }
  }
  return undefined;
}

function keyOf(secret: string | Uint8Array): Buffer {
  if (typeof secret !== "string") return Buffer.from(secret);
  const b64 = secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret;
  return Buffer.from(b64, "base64");
}

function bytesOf(payload: string | Uint8Array): Buffer {
  if (typeof payload === "string") return Buffer.from(payload, "utf8");
  if (payload instanceof Uint8Array) return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  throw new TypeError("pass the raw request body (a string or Buffer), not a parsed object");
}

/** The `v1,<base64>` signature of a delivery (to test your own receiver). */
export function signStandardWebhook(
  secret: string | Uint8Array,
  msgId: string,
  timestamp: number,
  payload: string | Uint8Array,
): string {
  const mac = createHmac("sha256", keyOf(secret));
  mac.update(`${msgId}.${timestamp}.`);
  mac.update(bytesOf(payload));
  return "v1," + mac.digest("base64");
}

export interface StandardWebhookOptions {
  /** Seconds a timestamp may be away from now, either way (300). */
  toleranceSeconds?: number;
  /** The current time, for tests: a Date or epoch seconds. */
  now?: Date | number;
}

/**
 * Checks a delivery's Standard Webhooks headers against one secret (`whsec_…`) or several
 * (during your own rotation), and returns the parsed event. Any signature of the header may
 * match. Throws `WebhookVerificationError` on missing headers, a timestamp outside the
 * tolerance (a replay), or no matching signature.
 */
export function verifyStandardWebhook<T = unknown>(
  payload: string | Uint8Array,
  headers: HeadersLike,
  secret: string | Uint8Array | Array<string | Uint8Array>,
  options: StandardWebhookOptions = {},
): T {
  const id = header(headers, "webhook-id");
  const stamp = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  if (!id || !stamp || !signatures) {
    throw new WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature header");
  }
  if (!/^\d{1,15}$/.test(stamp)) throw new WebhookVerificationError("invalid webhook-timestamp");
  const timestamp = Number(stamp);
  const now =
    options.now === undefined
      ? Date.now() / 1000
      : options.now instanceof Date
        ? options.now.getTime() / 1000
        : options.now;
  const tolerance = options.toleranceSeconds ?? 300;
  if (timestamp < now - tolerance) throw new WebhookVerificationError("webhook-timestamp is too old");
  if (timestamp > now + tolerance) throw new WebhookVerificationError("webhook-timestamp is in the future");

  const body = bytesOf(payload);
  const given = signatures
    .split(" ")
    .filter((part) => part.startsWith("v1,"))
    .map((part) => Buffer.from(part.slice(3), "base64"));
  const secrets = Array.isArray(secret) ? secret : [secret];
  let ok = false;
  for (const s of secrets) {
    const mac = createHmac("sha256", keyOf(s));
    mac.update(`${id}.${stamp}.`);
    mac.update(body);
    const expected = mac.digest();
    for (const candidate of given) {
      // Every comparison runs, so the time taken does not tell which one matched.
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) ok = true;
    }
  }
  if (!ok) throw new WebhookVerificationError("no matching signature in webhook-signature");
  try {
    return JSON.parse(body.toString("utf8")) as T;
  } catch {
    throw new WebhookVerificationError("the payload is not JSON");
  }
}
