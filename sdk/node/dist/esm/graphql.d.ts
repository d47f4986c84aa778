/** POST /graphql with an API key: the knowledge base (REST /api/... takes user tokens only). */
import { VocalIAError } from "./errors.js";
import type { HttpClient, RequestOptions } from "./http.js";
/** The typed error of a GraphQL answer's first error, if it has one. */
export declare function graphqlError(body: unknown, headers: Headers): VocalIAError | undefined;
export interface GraphQLRequest {
    query: string;
    variables?: Record<string, unknown> | undefined;
    /** True for a query (retried on 5xx/429); mutations run at most once. */
    idempotent?: boolean;
    options?: RequestOptions | undefined;
}
export declare function graphql<T>(http: HttpClient, req: GraphQLRequest): Promise<T>;
