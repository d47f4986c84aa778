"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Calls = void 0;
const node_crypto_1 = require("node:crypto");
const pagination_js_1 = require("../pagination.js");
const path = (id) => `/v1/calls/${encodeURIComponent(id)}`;
/** /v1/calls: outbound calls, their state, transcript and outcome. */
class Calls {
    http;
    constructor(http) {
        this.http = http;
    }
    /**
     * Place an outbound call (201). An Idempotency-Key is made up when none is given, so a retry
     * after a lost answer does not place a second call.
     */
    async create(params, options = {}) {
        const answer = await this.http.request({
            method: "POST",
            path: "/v1/calls",
            body: params,
            options: { ...options, idempotencyKey: options.idempotencyKey ?? (0, node_crypto_1.randomUUID)() },
        });
        return answer.data;
    }
    async get(id, options) {
        return (await this.http.request({ method: "GET", path: path(id), options })).data;
    }
    /** Newest first; `await` for one page, `for await` for every call. */
    list(params = {}, options) {
        const { offset = 0, ...filters } = params;
        return new pagination_js_1.PagePromise(async (at) => (await this.http.request({
            method: "GET",
            path: "/v1/calls",
            query: { ...filters, offset: at },
            options,
        })).data, offset);
    }
    /** Hand an in-progress call to a human (409 conflict when it is not in progress). */
    async transfer(id, params, options) {
        return (await this.http.request({ method: "POST", path: `${path(id)}/transfer`, body: params, options }))
            .data;
    }
    async hangup(id, options) {
        return (await this.http.request({ method: "POST", path: `${path(id)}/hangup`, options })).data;
    }
}
exports.Calls = Calls;
