/** @vocalia/sdk: the VocalIA API from Node.js (18+), with no runtime dependency. */
import { VocalIA } from "./client.js";
export { VocalIA, DEFAULT_BASE_URL, type ClientOptions } from "./client.js";
export * from "./errors.js";
export { backoffDelay, parseRetryAfter, type FetchLike, type RequestOptions } from "./http.js";
export { Page, PagePromise, type PageBody } from "./pagination.js";
export { VoiceStream, decodeAudio, streamUrl, type AudioEvent, type EndEvent, type ErrorEvent, type FunctionCallEvent, type InterruptEvent, type ReadyEvent, type SampleRate, type StreamEvent, type StreamOptions, type TranscriptEvent, type WebSocketConstructor, type WebSocketLike, } from "./stream.js";
export type * from "./types.js";
export { VERSION } from "./version.js";
export { isValidWebhookSignature, signStandardWebhook, signWebhook, verifyStandardWebhook, verifyWebhook, type HeadersLike, type StandardWebhookOptions, } from "./webhooks.js";
export default VocalIA;
