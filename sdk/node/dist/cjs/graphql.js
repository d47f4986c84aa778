"use strict";
/** POST /graphql with an API key: the knowledge base (REST /api/... takes user tokens only). */
Object.defineProperty(exports, "__esModule", { value: true });
exports.graphqlError = graphqlError;
exports.graphql = graphql;
const errors_js_1 = require("./errors.js");
/** The typed error of a GraphQL answer's first error, if it has one. */
function graphqlError(body, headers) {
    const errors = body?.errors;
    if (!Array.isArray(errors) || errors.length === 0)
        return undefined;
    const first = errors[0] ?? {};
    const ext = first.extensions ?? {};
    const status = typeof ext.status === "number" ? ext.status : 400;
    return (0, errors_js_1.errorFor)(first.message ?? "GraphQL error", {
        code: typeof ext.code === "string" ? ext.code : (0, errors_js_1.codeForStatus)(status),
        status,
        param: typeof ext.param === "string" ? ext.param : undefined,
        requestId: typeof ext.request_id === "string" ? ext.request_id : (headers.get("x-request-id") ?? undefined),
        headers,
        body,
        retryAfter: typeof ext.retryAfter === "number" ? ext.retryAfter : undefined,
    });
}
async function graphql(http, req) {
    const variables = Object.fromEntries(Object.entries(req.variables ?? {}).filter(([, v]) => v !== undefined));
    const answer = await http.request({
        method: "POST",
        path: "/graphql",
        body: { query: req.query, variables },
        idempotent: req.idempotent ?? /^\s*(query\b|\{)/.test(req.query),
        options: req.options,
        check: graphqlError,
    });
    return answer.data.data;
}
