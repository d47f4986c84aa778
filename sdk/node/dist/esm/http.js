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
import { APIConnectionError, APITimeoutError, VocalIAError, codeForStatus, errorFor } from "./errors.js";
import { VERSION } from "./version.js";
const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "PUT", "DELETE"]);
const INITIAL_DELAY = 500;
const MAX_DELAY = 8000;
/** Seconds from a Retry-After header (delta-seconds or HTTP date); undefined when absent or bad. */
export function parseRetryAfter(value, now = Date.now()) {
    if (value == null || value.trim() === "")
        return undefined;
    const text = value.trim();
    if (/^\d+(\.\d+)?$/.test(text))
        return Number(text);
    const at = Date.parse(text);
    return Number.isNaN(at) ? undefined : Math.max(0, (at - now) / 1000);
}
/** Exponential back-off with jitter: 0.5 s, 1 s, 2 s … at most 8 s, each between 75 % and 100 %. */
export function backoffDelay(attempt) {
    const base = Math.min(MAX_DELAY, INITIAL_DELAY * 2 ** attempt);
    return base * (0.75 + Math.random() * 0.25);
}
function sleep(ms, signal) {
    return new Promise((resolve, reject) => {
        if (signal?.aborted) {
            reject(signal.reason);
            return;
        }
        const timer = setTimeout(() => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
        }, ms);
        const onAbort = () => {
            clearTimeout(timer);
            reject(signal?.reason);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
    });
}
function queryString(query) {
    if (!query)
        return "";
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
        if (value === undefined || value === null)
            continue;
        params.append(key, value instanceof Date ? value.toISOString() : String(value));
    }
    const text = params.toString();
    return text ? `?${text}` : "";
}
/** The typed error of an HTTP error answer (REST error body, or whatever else came back). */
export function errorFromResponse(status, headers, body) {
    const err = body?.error;
    const code = typeof err?.code === "string" ? err.code : codeForStatus(status);
    const message = typeof err?.message === "string" ? err.message : `HTTP ${status} ${typeof body === "string" ? body.slice(0, 200) : ""}`.trim();
    return errorFor(message, {
        code,
        status: typeof err?.status === "number" ? err.status : status,
        param: typeof err?.param === "string" ? err.param : undefined,
        requestId: typeof err?.request_id === "string" ? err.request_id : (headers.get("x-request-id") ?? undefined),
        headers,
        body,
        retryAfter: parseRetryAfter(headers.get("retry-after")),
    });
}
export class HttpClient {
    apiKey;
    baseUrl;
    opts;
    constructor(opts) {
        this.opts = opts;
        this.apiKey = opts.apiKey;
        this.baseUrl = opts.baseUrl;
    }
    retryable(req, headers) {
        return IDEMPOTENT_METHODS.has(req.method) || req.idempotent === true || "Idempotency-Key" in headers;
    }
    /** Whether an error answer may be tried again, and after how many milliseconds. */
    retryDelay(error, safe, attempt) {
        const nothingRan = error.status === 429 && error.code === "rate_limit_exceeded";
        if (!(nothingRan || (safe && (error.status === 429 || error.status >= 500 || error.status === 0)))) {
            return undefined;
        }
        if (error.code === "concurrency_limit_exceeded")
            return undefined;
        const after = "retryAfter" in error ? error.retryAfter : undefined;
        if (after !== undefined) {
            return after <= this.opts.maxRetryAfter ? after * 1000 : undefined;
        }
        return backoffDelay(attempt);
    }
    async request(req) {
        const options = req.options ?? {};
        const headers = {
            Accept: "application/json",
            Authorization: `Bearer ${this.opts.apiKey}`,
            "User-Agent": `vocalia-node/${VERSION} node/${process.version}`,
            ...this.opts.headers,
            ...options.headers,
        };
        if (options.idempotencyKey)
            headers["Idempotency-Key"] = options.idempotencyKey;
        let payload;
        if (req.body !== undefined) {
            payload = JSON.stringify(req.body);
            headers["Content-Type"] = "application/json";
        }
        const url = this.baseUrl + req.path + queryString(req.query);
        const maxRetries = options.maxRetries ?? this.opts.maxRetries;
        const timeout = options.timeout ?? this.opts.timeout;
        const safe = this.retryable(req, headers);
        for (let attempt = 0;; attempt++) {
            let error;
            try {
                return await this.once(url, req.method, headers, payload, timeout, options.signal, req.check);
            }
            catch (caught) {
                if (!(caught instanceof VocalIAError))
                    throw caught;
                error = caught;
            }
            const delay = attempt < maxRetries ? this.retryDelay(error, safe, attempt) : undefined;
            if (delay === undefined)
                throw error;
            await sleep(delay, options.signal);
        }
    }
    async once(url, method, headers, payload, timeout, signal, check) {
        // One controller for the caller's signal and the timeout (AbortSignal.any needs Node 20).
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), timeout);
        const onAbort = () => controller.abort(signal?.reason);
        signal?.addEventListener("abort", onAbort, { once: true });
        if (signal?.aborted)
            onAbort();
        let response;
        let text;
        try {
            response = await this.opts.fetch(url, {
                method,
                headers,
                body: payload ?? null,
                signal: controller.signal,
                redirect: "manual",
            });
            text = await response.text();
        }
        catch (cause) {
            if (signal?.aborted)
                throw signal.reason ?? cause;
            if (controller.signal.aborted) {
                throw new APITimeoutError(`no response from ${method} ${url} within ${timeout} ms`, { code: "timeout", status: 0, cause });
            }
            const why = cause instanceof Error ? (cause.cause?.message ?? cause.message) : String(cause);
            throw new APIConnectionError(`could not reach ${method} ${url}: ${why}`, { code: "connection_error", status: 0, cause });
        }
        finally {
            clearTimeout(timer);
            signal?.removeEventListener("abort", onAbort);
        }
        let body = text;
        if (text !== "") {
            try {
                body = JSON.parse(text);
            }
            catch {
                // Not JSON (a proxy's error page): kept as text for the error.
            }
        }
        else {
            body = undefined;
        }
        const hidden = check?.(body, response.headers);
        if (hidden)
            throw hidden;
        if (response.status >= 300)
            throw errorFromResponse(response.status, response.headers, body);
        return {
            data: body,
            status: response.status,
            headers: response.headers,
            requestId: response.headers.get("x-request-id") ?? undefined,
        };
    }
}
