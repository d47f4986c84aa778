/**
 * The transport under every resource: fetch, JSON, typed errors, and retries with back-off.
 *
 * What is retried: connection failures and timeouts, 5xx and 429 answers, for idempotent
 * requests (GET, PUT, DELETE, HEAD, and a POST that carries an Idempotency-Key or is declared
 * idempotent, like a GraphQL query). A 429 `rate_limit_exceeded` is retried for every request:
 * the server's gate refuses it before the handler runs, so nothing happened. `Retry-After`
 * (seconds or an HTTP date) is honoured; a wait longer than `maxRetryAfter` is not waited for
 * (the error is thrown at once).
 */
import { VocalIAError } from "./errors.js";
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;
export type QueryValue = string | number | boolean | Date | null | undefined;
/** Options every method takes as its last argument. */
export interface RequestOptions {
    /** Milliseconds before one attempt is abandoned (the client's `timeout` by default). */
    timeout?: number;
    /** Retries after the first attempt (the client's `maxRetries` by default). */
    maxRetries?: number;
    /** Sent as Idempotency-Key (POST /v1/calls makes one up when absent). */
    idempotencyKey?: string;
    /** Extra headers for this request. */
    headers?: Record<string, string>;
    /** Aborts the request (and any wait between retries). */
    signal?: AbortSignal;
}
export interface HttpClientOptions {
    apiKey: string;
    baseUrl: string;
    timeout: number;
    maxRetries: number;
    maxRetryAfter: number;
    fetch: FetchLike;
    headers: Record<string, string>;
}
export interface HttpRequest {
    method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
    path: string;
    query?: Record<string, QueryValue> | undefined;
    body?: unknown;
    /** A POST that may safely run twice (a GraphQL query). */
    idempotent?: boolean;
    options?: RequestOptions | undefined;
    /** An error hidden in a successful answer (GraphQL's `errors`), thrown inside the retry loop. */
    check?: (body: unknown, headers: Headers) => VocalIAError | undefined;
}
export interface HttpResponse<T> {
    data: T;
    status: number;
    headers: Headers;
    requestId: string | undefined;
}
/** Seconds from a Retry-After header (delta-seconds or HTTP date); undefined when absent or bad. */
export declare function parseRetryAfter(value: string | null | undefined, now?: number): number | undefined;
/** Exponential back-off with jitter: 0.5 s, 1 s, 2 s … at most 8 s, each between 75 % and 100 %. */
export declare function backoffDelay(attempt: number): number;
/** The typed error of an HTTP error answer (REST error body, or whatever else came back). */
export declare function errorFromResponse(status: number, headers: Headers, body: unknown): VocalIAError;
export declare class HttpClient {
    readonly apiKey: string;
    readonly baseUrl: string;
    private readonly opts;
    constructor(opts: HttpClientOptions);
    private retryable;
    /** Whether an error answer may be tried again, and after how many milliseconds. */
    private retryDelay;
    request<T>(req: HttpRequest): Promise<HttpResponse<T>>;
    private once;
}
