import { type FetchLike, type RequestOptions } from "./http.js";
import { Agents } from "./resources/agents.js";
import { Calls } from "./resources/calls.js";
import { Knowledge } from "./resources/knowledge.js";
import { PhoneNumbers } from "./resources/phoneNumbers.js";
import { type StreamOptions, type VoiceStream, type WebSocketConstructor } from "./stream.js";
import type { RespondParams, RespondResult } from "./types.js";
export declare const DEFAULT_BASE_URL = "https://api.vocalia.ma";
export interface ClientOptions {
    /** A secret key (`voc_sk_live_…`, `voc_sk_test_…` or `vk_…`); `VOCALIA_API_KEY` by default. */
    apiKey?: string;
    /**
     * The API's origin (`VOCALIA_BASE_URL`, else https://api.vocalia.ma). The documented
     * `…/v1` form is accepted: /v1 is stripped, since /respond and /graphql live at the root.
     */
    baseUrl?: string;
    /** Milliseconds per attempt (60000). */
    timeout?: number;
    /** Retries of a failed retryable request (2). */
    maxRetries?: number;
    /** The longest Retry-After, in seconds, worth waiting for (60); longer ones throw at once. */
    maxRetryAfter?: number;
    /** A fetch implementation (the global one by default). */
    fetch?: FetchLike;
    /** A WebSocket implementation for `stream()` (the global one by default). */
    WebSocket?: WebSocketConstructor;
    /** Headers added to every request. */
    defaultHeaders?: Record<string, string>;
}
export declare class VocalIA {
    readonly calls: Calls;
    readonly agents: Agents;
    readonly phoneNumbers: PhoneNumbers;
    readonly knowledge: Knowledge;
    readonly baseUrl: string;
    private readonly http;
    private readonly WebSocket;
    constructor(options?: ClientOptions);
    /** One text turn with an agent (POST /respond); pass `sessionId` to go on a conversation. */
    respond(params: RespondParams, options?: RequestOptions): Promise<RespondResult>;
    /** Any GraphQL operation with this client's key; errors become the same typed errors. */
    graphql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, options?: RequestOptions): Promise<T>;
    /** A realtime voice session on WS /v1/stream, once the server said `ready`. */
    stream(options: StreamOptions): Promise<VoiceStream>;
}
