"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.VocalIA = exports.DEFAULT_BASE_URL = void 0;
const graphql_js_1 = require("./graphql.js");
const http_js_1 = require("./http.js");
const agents_js_1 = require("./resources/agents.js");
const calls_js_1 = require("./resources/calls.js");
const knowledge_js_1 = require("./resources/knowledge.js");
const phoneNumbers_js_1 = require("./resources/phoneNumbers.js");
const stream_js_1 = require("./stream.js");
exports.DEFAULT_BASE_URL = "https://api.vocalia.ma";
function env(name) {
    return typeof process !== "undefined" ? process.env[name] || undefined : undefined;
}
class VocalIA {
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
        this.baseUrl = (options.baseUrl ?? env("VOCALIA_BASE_URL") ?? exports.DEFAULT_BASE_URL)
            .replace(/\/+$/, "")
            .replace(/\/v1$/, "");
        this.http = new http_js_1.HttpClient({
            apiKey,
            baseUrl: this.baseUrl,
            timeout: options.timeout ?? 60_000,
            maxRetries: options.maxRetries ?? 2,
            maxRetryAfter: options.maxRetryAfter ?? 60,
            fetch: fetchImpl,
            headers: options.defaultHeaders ?? {},
        });
        this.WebSocket = options.WebSocket;
        this.calls = new calls_js_1.Calls(this.http);
        this.agents = new agents_js_1.Agents(this.http);
        this.phoneNumbers = new phoneNumbers_js_1.PhoneNumbers(this.http);
        this.knowledge = new knowledge_js_1.Knowledge(this.http);
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
        return (0, graphql_js_1.graphql)(this.http, { query, variables, options });
    }
    /** A realtime voice session on WS /v1/stream, once the server said `ready`. */
    stream(options) {
        return (0, stream_js_1.openStream)(this.baseUrl, this.http.apiKey, {
            ...options,
            ...(options.WebSocket || !this.WebSocket ? {} : { WebSocket: this.WebSocket }),
        });
    }
}
exports.VocalIA = VocalIA;
