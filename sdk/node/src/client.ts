import { graphql } from "./graphql.js";
import { HttpClient, type FetchLike, type RequestOptions } from "./http.js";
import { Agents } from "./resources/agents.js";
import { Calls } from "./resources/calls.js";
import { Knowledge } from "./resources/knowledge.js";
import { PhoneNumbers } from "./resources/phoneNumbers.js";
import { openStream, type StreamOptions, type VoiceStream, type WebSocketConstructor } from "./stream.js";
import type { RespondParams, RespondResult } from "./types.js";

export const DEFAULT_BASE_URL = "https://api.vocalia.ma";

export interface ClientOptions {
  /** A secret key (`voc_sk_live_…`, `voc_sk_test_…` or `vk_…`); `VOCALIA_API_KEY` by default. */
  apiKey?: string;
  /**
   * The API's origin (`VOCALIA_BASE_URL`, else https://api.vocalia.ma). The documented
   * `…/v1` form is accepted: /v1 is stripped, since /respond and /graphql live at the root.
   */
  baseUrl?: string;
  /** Milliseconds per attempt (60000). */
  timeout?: number;
  /** Retries of a failed retryable request (2). */
  maxRetries?: number;
  /** The longest Retry-After, in seconds, worth waiting for (60); longer ones throw at once. */
  maxRetryAfter?: number;
  /** A fetch implementation (the global one by default). */
  fetch?: FetchLike;
  /** A WebSocket implementation for `stream()` (the global one by default). */
  WebSocket?: WebSocketConstructor;
  /** Headers added to every request. */
  defaultHeaders?: Record<string, string>;
}

function env(name: string): string | undefined {
  return typeof process !== "undefined" ? process.env[name] || undefined : undefined;
}

export class VocalIA {
  readonly calls: Calls;
  readonly agents: Agents;
  readonly phoneNumbers: PhoneNumbers;
  readonly knowledge: Knowledge;
  readonly baseUrl: string;
  private readonly http: HttpClient;
  private readonly WebSocket: WebSocketConstructor | undefined;

  constructor(options: ClientOptions = {}) {
    const apiKey = options.apiKey ?? env("VOCALIA_API_KEY");
    if (!apiKey) {
      throw new TypeError("an API key is required: new VocalIA({ apiKey }) or VOCALIA_API_KEY");
    }
    const fetchImpl = options.fetch ?? (globalThis.fetch as FetchLike | undefined);
    if (!fetchImpl) throw new TypeError("no fetch implementation: use Node 18+ or pass options.fetch");
    this.baseUrl = (options.baseUrl ?? env("VOCALIA_BASE_URL") ?? DEFAULT_BASE_URL)
      .replace(/\/+$/, "")
      .replace(/\/v1$/, "");
    this.http = new HttpClient({
      apiKey,
      baseUrl: this.baseUrl,
      timeout: options.timeout ?? 60_000,
      maxRetries: options.maxRetries ?? 2,
      maxRetryAfter: options.maxRetryAfter ?? 60,
      fetch: fetchImpl,
      headers: options.defaultHeaders ?? {},
    });
    this.WebSocket = options.WebSocket;
    this.calls = new Calls(this.http);
    this.agents = new Agents(this.http);
    this.phoneNumbers = new PhoneNumbers(this.http);
    this.knowledge = new Knowledge(this.http);
  }

  /** One text turn with an agent (POST /respond); pass `sessionId` to go on a conversation. */
  async respond(params: RespondParams, options?: RequestOptions): Promise<RespondResult> {
    const { sessionId, tenantId, ...rest } = params;
    const body: Record<string, unknown> = { ...rest };
    if (sessionId !== undefined) body.session_id = sessionId;
    if (tenantId !== undefined) body.tenant_id = tenantId;
    return (await this.http.request<RespondResult>({ method: "POST", path: "/respond", body, options })).data;
  }

  /** Any GraphQL operation with this client's key; errors become the same typed errors. */
  graphql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    options?: RequestOptions,
  ): Promise<T> {
    return graphql<T>(this.http, { query, variables, options });
  }

  /** A realtime voice session on WS /v1/stream, once the server said `ready`. */
  stream(options: StreamOptions): Promise<VoiceStream> {
    return openStream(this.baseUrl, this.http.apiKey, {
      ...options,
      ...(options.WebSocket || !this.WebSocket ? {} : { WebSocket: this.WebSocket }),
    });
  }
}
