import { PagePromise } from "../pagination.js";
const path = (id) => `/v1/agents/${encodeURIComponent(id)}`;
/** /v1/agents: the voice agents calls and streams talk to. */
export class Agents {
    http;
    constructor(http) {
        this.http = http;
    }
    /** 201; 409 conflict when the id is taken. */
    async create(params, options) {
        return (await this.http.request({ method: "POST", path: "/v1/agents", body: params, options })).data;
    }
    async get(id, options) {
        return (await this.http.request({ method: "GET", path: path(id), options })).data;
    }
    async update(id, params, options) {
        return (await this.http.request({ method: "PATCH", path: path(id), body: params, options })).data;
    }
    async delete(id, options) {
        return (await this.http.request({ method: "DELETE", path: path(id), options })).data;
    }
    list(params = {}, options) {
        const { offset = 0, limit } = params;
        return new PagePromise(async (at) => (await this.http.request({
            method: "GET",
            path: "/v1/agents",
            query: { limit, offset: at },
            options,
        })).data, offset);
    }
}
