/** @vocalia/sdk: the VocalIA API from Node.js (18+), with no runtime dependency. */
import { VocalIA } from "./client.js";
export { VocalIA, DEFAULT_BASE_URL } from "./client.js";
export * from "./errors.js";
export { backoffDelay, parseRetryAfter } from "./http.js";
export { Page, PagePromise } from "./pagination.js";
export { VoiceStream, decodeAudio, streamUrl, } from "./stream.js";
export { VERSION } from "./version.js";
export { isValidWebhookSignature, signStandardWebhook, signWebhook, verifyStandardWebhook, verifyWebhook, } from "./webhooks.js";
export default VocalIA;
