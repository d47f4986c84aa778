import type { HttpClient, RequestOptions } from "../http.js";
import { PagePromise, type PageBody } from "../pagination.js";
import type { Agent, AgentParams, Deleted, ListParams } from "../types.js";

const path = (id: string) => `/v1/agents/${encodeURIComponent(id)}`;

/** /v1/agents: the voice agents calls and streams talk to. */
export class Agents {
  constructor(private readonly http: HttpClient) {}

  /** 201; 409 conflict when the id is taken. */
  async create(params: AgentParams, options?: RequestOptions): Promise<Agent> {
    return (await this.http.request<Agent>({ method: "POST", path: "/v1/agents", body: params, options })).data;
  }

  async get(id: string, options?: RequestOptions): Promise<Agent> {
    return (await this.http.request<Agent>({ method: "GET", path: path(id), options })).data;
  }

  async update(id: string, params: AgentParams, options?: RequestOptions): Promise<Agent> {
    return (await this.http.request<Agent>({ method: "PATCH", path: path(id), body: params, options })).data;
  }

  async delete(id: string, options?: RequestOptions): Promise<Deleted> {
    return (await this.http.request<Deleted>({ method: "DELETE", path: path(id), options })).data;
  }

  list(params: ListParams = {}, options?: RequestOptions): PagePromise<Agent> {
    const { offset = 0, limit } = params;
    return new PagePromise(
      async (at) =>
        (
          await this.http.request<PageBody<Agent>>({
            method: "GET",
            path: "/v1/agents",
            query: { limit, offset: at },
            options,
          })
        ).data,
      offset,
    );
  }
}
