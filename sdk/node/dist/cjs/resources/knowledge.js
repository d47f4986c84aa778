"use strict";
/**
 * The knowledge base, over GraphQL: with an API key this is where it is reachable (the REST
 * /api/tenants/:id/kb routes take a user's access token).
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.Knowledge = void 0;
const graphql_js_1 = require("../graphql.js");
const pagination_js_1 = require("../pagination.js");
const ENTRY = "id key language title content source characters createdAt updatedAt";
const JOB = "id status url language pages maxPages bytes queued skipped { url reason } error";
class Knowledge {
    http;
    constructor(http) {
        this.http = http;
    }
    /** Entries, most recently changed first; `for await` walks every page. */
    list(params = {}, options) {
        const { offset = 0, limit = 20, language, source } = params;
        return new pagination_js_1.PagePromise(async (at) => {
            const data = await (0, graphql_js_1.graphql)(this.http, {
                query: `query($language: String, $source: String, $limit: Int!, $offset: Int!) {
          knowledgeEntries(language: $language, source: $source, limit: $limit, offset: $offset) {
            items { ${ENTRY} } total limit offset } }`,
                variables: { language, source, limit, offset: at },
                options,
            });
            const page = data.knowledgeEntries;
            return { data: page.items, total: page.total, limit: page.limit, offset: page.offset };
        }, offset);
    }
    /** Create an entry, or replace the text of its key in its language. */
    async save(params, options) {
        const data = await (0, graphql_js_1.graphql)(this.http, {
            query: `mutation($input: SaveKnowledgeEntryInput!) {
        saveKnowledgeEntry(input: $input) { created entry { ${ENTRY} } } }`,
            variables: { input: params },
            options,
        });
        return data.saveKnowledgeEntry;
    }
    /** Many entries in one language, at most 1,000 items; the plan's quota is all or nothing. */
    async import(params, options) {
        const data = await (0, graphql_js_1.graphql)(this.http, {
            query: `mutation($data: JSON!, $language: String, $overwrite: Boolean!) {
        importKnowledge(data: $data, language: $language, overwrite: $overwrite) {
          imported updated skipped total errors { index key param message } } }`,
            variables: { data: params.data, language: params.language, overwrite: params.overwrite ?? true },
            options,
        });
        return data.importKnowledge;
    }
    async delete(id, options) {
        const data = await (0, graphql_js_1.graphql)(this.http, {
            query: "mutation($id: ID!) { deleteKnowledgeEntry(id: $id) { id deleted } }",
            variables: { id },
            options,
        });
        return data.deleteKnowledgeEntry;
    }
    /** The passages that best answer `q`, best first. */
    async search(q, params = {}, options) {
        const data = await (0, graphql_js_1.graphql)(this.http, {
            query: `query($q: String!, $language: String, $limit: Int!) {
        knowledgeSearch(q: $q, language: $language, limit: $limit) {
          entryId key title source language heading text score bm25 dense relevant
          snippet { text highlights { start end } } } }`,
            variables: { q, language: params.language, limit: params.limit ?? 5 },
            options,
        });
        return data.knowledgeSearch;
    }
    async quota(options) {
        const data = await (0, graphql_js_1.graphql)(this.http, {
            query: "query { knowledgeQuota { entries limit chunks characters languages } }",
            options,
        });
        return data.knowledgeQuota;
    }
    /** Start crawling a site into the knowledge base; follow it with `getJob`. */
    async crawl(params, options) {
        const data = await (0, graphql_js_1.graphql)(this.http, {
            query: `mutation($input: StartKnowledgeCrawlInput!) { startKnowledgeCrawl(input: $input) { ${JOB} } }`,
            variables: { input: params },
            options,
        });
        return data.startKnowledgeCrawl;
    }
    async getJob(id, options) {
        const data = await (0, graphql_js_1.graphql)(this.http, {
            query: `query($id: ID!) { kbJob(id: $id) { ${JOB} } }`,
            variables: { id },
            options,
        });
        return data.kbJob;
    }
    async cancelJob(id, options) {
        const data = await (0, graphql_js_1.graphql)(this.http, {
            query: `mutation($id: ID!) { cancelKnowledgeJob(id: $id) { ${JOB} } }`,
            variables: { id },
            options,
        });
        return data.cancelKnowledgeJob;
    }
}
exports.Knowledge = Knowledge;
