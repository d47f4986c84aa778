/** POST /graphql with an API key: the knowledge base (REST /api/... takes user tokens only). */

import { VocalIAError, codeForStatus, errorFor } from "./errors.js";
import type { HttpClient, RequestOptions } from "./http.js";

interface GraphQLError {
  message?: string;
  path?: unknown;
  extensions?: { code?: unknown; status?: unknown; param?: unknown; retryAfter?: unknown; request_id?: unknown };
}

interface GraphQLBody<T> {
  data?: T | null;
  errors?: GraphQLError[];
}

/** The typed error of a GraphQL answer's first error, if it has one. */
export function graphqlError(body: unknown, headers: Headers): VocalIAError | undefined {
  const errors = (body as GraphQLBody<unknown> | null)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  const first = errors[0] ?? {};
  const ext = first.extensions ?? {};
  const status = typeof ext.status === "number" ? ext.status : 400;
  return errorFor(first.message ?? "GraphQL error", {
    code: typeof ext.code === "string" ? ext.code : codeForStatus(status),
    status,
    param: typeof ext.param === "string" ? ext.param : undefined,
    requestId: typeof ext.request_id === "string" ? ext.request_id : (headers.get("x-request-id") ?? undefined),
    headers,
    body,
    retryAfter: typeof ext.retryAfter === "number" ? ext.retryAfter : undefined,
  });
}

export interface GraphQLRequest {
  query: string;
  variables?: Record<string, unknown> | undefined;
  /** True for a query (retried on 5xx/429); mutations run at most once. */
  idempotent?: boolean;
  options?: RequestOptions | undefined;
}

export async function graphql<T>(http: HttpClient, req: GraphQLRequest): Promise<T> {
  const variables = Object.fromEntries(
    Object.entries(req.variables ?? {}).filter(([, v]) => v !== undefined),
  );
  const answer = await http.request<GraphQLBody<T>>({
    method: "POST",
    path: "/graphql",
    body: { query: req.query, variables },
    idempotent: req.idempotent ?? /^\s*(query\b|\{)/.test(req.query),
    options: req.options,
    check: graphqlError,
  });
  return answer.data.data as T;
}
