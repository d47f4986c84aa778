/**
 * The knowledge base, over GraphQL: with an API key this is where it is reachable (the REST
 * /api/tenants/:id/kb routes take a user's access token).
 */

import { graphql } from "../graphql.js";
import type { HttpClient, RequestOptions } from "../http.js";
import { PagePromise } from "../pagination.js";
import type {
  Deleted,
  KnowledgeCrawlParams,
  KnowledgeEntry,
  KnowledgeImportParams,
  KnowledgeImportReport,
  KnowledgeJob,
  KnowledgeListParams,
  KnowledgeQuota,
  KnowledgeSaveParams,
  KnowledgeSearchParams,
  KnowledgeSearchResult,
  SavedKnowledgeEntry,
} from "../types.js";

const ENTRY = "id key language title content source characters createdAt updatedAt";
const JOB = "id status url language pages maxPages bytes queued skipped { url reason } error";

export class Knowledge {
  constructor(private readonly http: HttpClient) {}

  /** Entries, most recently changed first; `for await` walks every page. */
  list(params: KnowledgeListParams = {}, options?: RequestOptions): PagePromise<KnowledgeEntry> {
    const { offset = 0, limit = 20, language, source } = params;
    return new PagePromise(async (at) => {
      const data = await graphql<{
        knowledgeEntries: { items: KnowledgeEntry[]; total: number; limit: number; offset: number };
      }>(this.http, {
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
  async save(params: KnowledgeSaveParams, options?: RequestOptions): Promise<SavedKnowledgeEntry> {
    const data = await graphql<{ saveKnowledgeEntry: SavedKnowledgeEntry }>(this.http, {
      query: `mutation($input: SaveKnowledgeEntryInput!) {
        saveKnowledgeEntry(input: $input) { created entry { ${ENTRY} } } }`,
      variables: { input: params },
      options,
    });
    return data.saveKnowledgeEntry;
  }

  /** Many entries in one language, at most 1,000 items; the plan's quota is all or nothing. */
  async import(params: KnowledgeImportParams, options?: RequestOptions): Promise<KnowledgeImportReport> {
    const data = await graphql<{ importKnowledge: KnowledgeImportReport }>(this.http, {
      query: `mutation($data: JSON!, $language: String, $overwrite: Boolean!) {
        importKnowledge(data: $data, language: $language, overwrite: $overwrite) {
          imported updated skipped total errors { index key param message } } }`,
      variables: { data: params.data, language: params.language, overwrite: params.overwrite ?? true },
      options,
    });
    return data.importKnowledge;
  }

  async delete(id: string, options?: RequestOptions): Promise<Deleted> {
    const data = await graphql<{ deleteKnowledgeEntry: Deleted }>(this.http, {
      query: "mutation($id: ID!) { deleteKnowledgeEntry(id: $id) { id deleted } }",
      variables: { id },
      options,
    });
    return data.deleteKnowledgeEntry;
  }

  /** The passages that best answer `q`, best first. */
  async search(q: string, params: KnowledgeSearchParams = {}, options?: RequestOptions): Promise<KnowledgeSearchResult[]> {
    const data = await graphql<{ knowledgeSearch: KnowledgeSearchResult[] }>(this.http, {
      query: `query($q: String!, $language: String, $limit: Int!) {
        knowledgeSearch(q: $q, language: $language, limit: $limit) {
          entryId key title source language heading text score bm25 dense relevant
          snippet { text highlights { start end } } } }`,
      variables: { q, language: params.language, limit: params.limit ?? 5 },
      options,
    });
    return data.knowledgeSearch;
  }

  async quota(options?: RequestOptions): Promise<KnowledgeQuota> {
    const data = await graphql<{ knowledgeQuota: KnowledgeQuota }>(this.http, {
      query: "query { knowledgeQuota { entries limit chunks characters languages } }",
      options,
    });
    return data.knowledgeQuota;
  }

  /** Start crawling a site into the knowledge base; follow it with `getJob`. */
  async crawl(params: KnowledgeCrawlParams, options?: RequestOptions): Promise<KnowledgeJob> {
    const data = await graphql<{ startKnowledgeCrawl: KnowledgeJob }>(this.http, {
      query: `mutation($input: StartKnowledgeCrawlInput!) { startKnowledgeCrawl(input: $input) { ${JOB} } }`,
      variables: { input: params },
      options,
    });
    return data.startKnowledgeCrawl;
  }

  async getJob(id: string, options?: RequestOptions): Promise<KnowledgeJob> {
    const data = await graphql<{ kbJob: KnowledgeJob }>(this.http, {
      query: `query($id: ID!) { kbJob(id: $id) { ${JOB} } }`,
      variables: { id },
      options,
    });
    return data.kbJob;
  }

  async cancelJob(id: string, options?: RequestOptions): Promise<KnowledgeJob> {
    const data = await graphql<{ cancelKnowledgeJob: KnowledgeJob }>(this.http, {
      query: `mutation($id: ID!) { cancelKnowledgeJob(id: $id) { ${JOB} } }`,
      variables: { id },
      options,
    });
    return data.cancelKnowledgeJob;
  }
}
