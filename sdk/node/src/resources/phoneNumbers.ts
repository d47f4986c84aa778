import type { HttpClient, RequestOptions } from "../http.js";
import { Page } from "../pagination.js";
import type { Deleted, PhoneNumber, PhoneNumberCreateParams } from "../types.js";

/** /v1/phone-numbers: the tenant's caller ids. */
export class PhoneNumbers {
  constructor(private readonly http: HttpClient) {}

  /** 201; 409 conflict when the number is already there. */
  async create(params: PhoneNumberCreateParams, options?: RequestOptions): Promise<PhoneNumber> {
    return (await this.http.request<PhoneNumber>({ method: "POST", path: "/v1/phone-numbers", body: params, options }))
      .data;
  }

  /** Every number, in one page (the route is not paginated). */
  async list(options?: RequestOptions): Promise<Page<PhoneNumber>> {
    const body = (
      await this.http.request<{ data: PhoneNumber[]; total: number }>({
        method: "GET",
        path: "/v1/phone-numbers",
        options,
      })
    ).data;
    const page = { data: body.data, total: body.total, limit: body.data.length, offset: 0 };
    return new Page(page, async () => ({ ...page, data: [], offset: body.data.length }));
  }

  async delete(id: string, options?: RequestOptions): Promise<Deleted> {
    return (
      await this.http.request<Deleted>({
        method: "DELETE",
        path: `/v1/phone-numbers/${encodeURIComponent(id)}`,
        options,
      })
    ).data;
  }
}
