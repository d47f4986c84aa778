/**
 * The knowledge base, over GraphQL: with an API key this is where it is reachable (the REST
 * /api/tenants/:id/kb routes take a user's access token).
 */
import type { HttpClient, RequestOptions } from "../http.js";
import { PagePromise } from "../pagination.js";
import type { Deleted, KnowledgeCrawlParams, KnowledgeEntry, KnowledgeImportParams, KnowledgeImportReport, KnowledgeJob, KnowledgeListParams, KnowledgeQuota, KnowledgeSaveParams, KnowledgeSearchParams, KnowledgeSearchResult, SavedKnowledgeEntry } from "../types.js";
export declare class Knowledge {
    private readonly http;
    constructor(http: HttpClient);
    /** Entries, most recently changed first; `for await` walks every page. */
    list(params?: KnowledgeListParams, options?: RequestOptions): PagePromise<KnowledgeEntry>;
    /** Create an entry, or replace the text of its key in its language. */
    save(params: KnowledgeSaveParams, options?: RequestOptions): Promise<SavedKnowledgeEntry>;
    /** Many entries in one language, at most 1,000 items; the plan's quota is all or nothing. */
    import(params: KnowledgeImportParams, options?: RequestOptions): Promise<KnowledgeImportReport>;
    delete(id: string, options?: RequestOptions): Promise<Deleted>;
    /** The passages that best answer `q`, best first. */
    search(q: string, params?: KnowledgeSearchParams, options?: RequestOptions): Promise<KnowledgeSearchResult[]>;
    quota(options?: RequestOptions): Promise<KnowledgeQuota>;
    /** Start crawling a site into the knowledge base; follow it with `getJob`. */
    crawl(params: KnowledgeCrawlParams, options?: RequestOptions): Promise<KnowledgeJob>;
    getJob(id: string, options?: RequestOptions): Promise<KnowledgeJob>;
    cancelJob(id: string, options?: RequestOptions): Promise<KnowledgeJob>;
}
