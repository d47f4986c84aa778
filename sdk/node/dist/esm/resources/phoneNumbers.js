import { Page } from "../pagination.js";
/** /v1/phone-numbers: the tenant's caller ids. */
export class PhoneNumbers {
    http;
    constructor(http) {
        this.http = http;
    }
    /** 201; 409 conflict when the number is already there. */
    async create(params, options) {
        return (await this.http.request({ method: "POST", path: "/v1/phone-numbers", body: params, options }))
            .data;
    }
    /** Every number, in one page (the route is not paginated). */
    async list(options) {
        const body = (await this.http.request({
            method: "GET",
            path: "/v1/phone-numbers",
            options,
        })).data;
        const page = { data: body.data, total: body.total, limit: body.data.length, offset: 0 };
        return new Page(page, async () => ({ ...page, data: [], offset: body.data.length }));
    }
    async delete(id, options) {
        return (await this.http.request({
            method: "DELETE",
            path: `/v1/phone-numbers/${encodeURIComponent(id)}`,
            options,
        })).data;
    }
}
