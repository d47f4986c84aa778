import { graphql } from "./graphql.js";
import { HttpClient } from "./http.js";
import { Agents } from "./resources/agents.js";
import { Calls } from "./resources/calls.js";
import { Knowledge } from "./resources/knowledge.js";
import { PhoneNumbers } from "./resources/phoneNumbers.js";
import { openStream } from "./stream.js";
export const DEFAULT_BASE_URL = "https://api.vocalia.ma";
function env(name) {
    return typeof process !== "undefined" ? process.env[name] || undefined : undefined;
}
export class VocalIA {
    calls;
    agents;
    phoneNumbers;
    knowledge;
    baseUrl;
    http;
    WebSocket;
    constructor(options = {}) {
        const apiKey = options.apiKey ?? env("VOCALIA_API_KEY");
        if (!apiKey) {
            throw new TypeError("an API key is required: new VocalIA({ apiKey }) or VOCALIA_API_KEY");
        }
        const fetchImpl = options.fetch ?? globalThis.fetch;
        if (!fetchImpl)
            throw new TypeError("no fetch implementation: use Node 18+ or pass options.fetch");
        this.baseUrl = (options.baseUrl ?? env("VOCALIA_BASE_URL") ?? DEFAULT_BASE_URL)
            .replace(/\/+$/, "")
            .replace(/\/v1$/, "");
        this.http = new HttpClient({
            apiKey,
            baseUrl: this.baseUrl,
            timeout: options.timeout ?? 60_000,
            maxRetries: options.maxRetries ?? 2,
            maxRetryAfter: options.maxRetryAfter ?? 60,
            fetch: fetchImpl,
            headers: options.defaultHeaders ?? {},
        });
        this.WebSocket = options.WebSocket;
        this.calls = new Calls(this.http);
        this.agents = new Agents(this.http);
        this.phoneNumbers = new PhoneNumbers(this.http);
        this.knowledge = new Knowledge(this.http);
    }
    /** One text turn with an agent (POST /respond); pass `sessionId` to go on a conversation. */
    async respond(params, options) {
        const { sessionId, tenantId, ...rest } = params;
        const body = { ...rest };
        if (sessionId !== undefined)
            body.session_id = sessionId;
        if (tenantId !== undefined)
            body.tenant_id = tenantId;
        return (await this.http.request({ method: "POST", path: "/respond", body, options })).data;
    }
    /** Any GraphQL operation with this client's key; errors become the same typed errors. */
    graphql(query, variables, options) {
        return graphql(this.http, { query, variables, options });
    }
    /** A realtime voice session on WS /v1/stream, once the server said `ready`. */
    stream(options) {
        return openStream(this.baseUrl, this.http.apiKey, {
            ...options,
            ...(options.WebSocket || !this.WebSocket ? {} : { WebSocket: this.WebSocket }),
        });
    }
}
