import type { HttpClient, RequestOptions } from "../http.js";
import { PagePromise } from "../pagination.js";
import type { Agent, AgentParams, Deleted, ListParams } from "../types.js";
/** /v1/agents: the voice agents calls and streams talk to. */
export declare class Agents {
    private readonly http;
    constructor(http: HttpClient);
    /** 201; 409 conflict when the id is taken. */
    create(params: AgentParams, options?: RequestOptions): Promise<Agent>;
    get(id: string, options?: RequestOptions): Promise<Agent>;
    update(id: string, params: AgentParams, options?: RequestOptions): Promise<Agent>;
    delete(id: string, options?: RequestOptions): Promise<Deleted>;
    list(params?: ListParams, options?: RequestOptions): PagePromise<Agent>;
}
