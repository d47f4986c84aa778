import { randomUUID } from "node:crypto";

import type { HttpClient, RequestOptions } from "../http.js";
import { PagePromise, type PageBody } from "../pagination.js";
import type { Call, CallCreateParams, CallListParams, CallTransferParams } from "../types.js";

const path = (id: string) => `/v1/calls/${encodeURIComponent(id)}`;

/** /v1/calls: outbound calls, their state, transcript and outcome. */
export class Calls {
  constructor(private readonly http: HttpClient) {}

  /**
   * Place an outbound call (201). An Idempotency-Key is made up when none is given, so a retry
   * after a lost answer does not place a second call.
   */
  async create(params: CallCreateParams, options: RequestOptions = {}): Promise<Call> {
    const answer = await this.http.request<Call>({
      method: "POST",
      path: "/v1/calls",
      body: params,
      options: { ...options, idempotencyKey: options.idempotencyKey ?? randomUUID() },
    });
    return answer.data;
  }

  async get(id: string, options?: RequestOptions): Promise<Call> {
    return (await this.http.request<Call>({ method: "GET", path: path(id), options })).data;
  }

  /** Newest first; `await` for one page, `for await` for every call. */
  list(params: CallListParams = {}, options?: RequestOptions): PagePromise<Call> {
    const { offset = 0, ...filters } = params;
    return new PagePromise(
      async (at) =>
        (
          await this.http.request<PageBody<Call>>({
            method: "GET",
            path: "/v1/calls",
            query: { ...filters, offset: at },
            options,
          })
        ).data,
      offset,
    );
  }

  /** Hand an in-progress call to a human (409 conflict when it is not in progress). */
  async transfer(id: string, params: CallTransferParams, options?: RequestOptions): Promise<Call> {
    return (await this.http.request<Call>({ method: "POST", path: `${path(id)}/transfer`, body: params, options }))
      .data;
  }

  async hangup(id: string, options?: RequestOptions): Promise<Call> {
    return (await this.http.request<Call>({ method: "POST", path: `${path(id)}/hangup`, options })).data;
  }
}
