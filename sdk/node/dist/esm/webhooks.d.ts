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
import { type BinaryLike, type KeyObject } from "node:crypto";
/**
 * The API reference's `verifyWebhook`, with the same behaviour: true when `signature` is
 * `sha256=` + the hex HMAC-SHA256 of `payload` keyed with the whole `secret` string; false for
 * another signature of the same length; and, like the reference, it throws (a RangeError from
 * `crypto.timingSafeEqual`) when the lengths differ, or a TypeError when `signature` is
 * missing. `isValidWebhookSignature` answers false in those cases instead.
 */
export declare function verifyWebhook(payload: BinaryLike, signature: string, secret: BinaryLike | KeyObject): boolean;
/** `verifyWebhook` that never throws: a missing, malformed or wrong-length header is false. */
export declare function isValidWebhookSignature(payload: BinaryLike, signature: string | string[] | null | undefined, secret: BinaryLike | KeyObject): boolean;
/** The X-VocalIA-Signature value of a body (to test your own receiver). */
export declare function signWebhook(payload: BinaryLike, secret: BinaryLike | KeyObject): string;
/** Request headers as Node (`req.headers`), fetch (`Headers`) or a plain object give them. */
export type HeadersLike = Headers | {
    get(name: string): string | null;
} | Record<string, string | string[] | undefined>;
/** The `v1,<base64>` signature of a delivery (to test your own receiver). */
export declare function signStandardWebhook(secret: string | Uint8Array, msgId: string, timestamp: number, payload: string | Uint8Array): string;
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
export declare function verifyStandardWebhook<T = unknown>(payload: string | Uint8Array, headers: HeadersLike, secret: string | Uint8Array | Array<string | Uint8Array>, options?: StandardWebhookOptions): T;
