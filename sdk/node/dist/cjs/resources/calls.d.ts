import type { HttpClient, RequestOptions } from "../http.js";
import { PagePromise } from "../pagination.js";
import type { Call, CallCreateParams, CallListParams, CallTransferParams } from "../types.js";
/** /v1/calls: outbound calls, their state, transcript and outcome. */
export declare class Calls {
    private readonly http;
    constructor(http: HttpClient);
    /**
     * Place an outbound call (201). An Idempotency-Key is made up when none is given, so a retry
     * after a lost answer does not place a second call.
     */
    create(params: CallCreateParams, options?: RequestOptions): Promise<Call>;
    get(id: string, options?: RequestOptions): Promise<Call>;
    /** Newest first; `await` for one page, `for await` for every call. */
    list(params?: CallListParams, options?: RequestOptions): PagePromise<Call>;
    /** Hand an in-progress call to a human (409 conflict when it is not in progress). */
    transfer(id: string, params: CallTransferParams, options?: RequestOptions): Promise<Call>;
    hangup(id: string, options?: RequestOptions): Promise<Call>;
}
