import type { HttpClient, RequestOptions } from "../http.js";
import { Page } from "../pagination.js";
import type { Deleted, PhoneNumber, PhoneNumberCreateParams } from "../types.js";
/** /v1/phone-numbers: the tenant's caller ids. */
export declare class PhoneNumbers {
    private readonly http;
    constructor(http: HttpClient);
    /** 201; 409 conflict when the number is already there. */
    create(params: PhoneNumberCreateParams, options?: RequestOptions): Promise<PhoneNumber>;
    /** Every number, in one page (the route is not paginated). */
    list(options?: RequestOptions): Promise<Page<PhoneNumber>>;
    delete(id: string, options?: RequestOptions): Promise<Deleted>;
}
