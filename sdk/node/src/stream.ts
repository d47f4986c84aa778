/**
 * `WS /v1/stream` (contract §6): a realtime voice session with an agent. Open it with
 * `client.stream({agentId})`: the promise resolves once the server answered `ready` (with the
 * web call's id), then iterate its events with `for await` and send audio (PCM16 LE mono at
 * the configured rate), typed text, or `end()`.
 *
 * WebSocket: the global one (Node 22+, browsers, Node 20 with --experimental-websocket), or any
 * WHATWG-compatible constructor passed as `WebSocket` (for instance the `ws` package's), so the
 * SDK itself has no dependency.
 */

import { VocalIAError, codeForStatus, errorFor } from "./errors.js";

/** What the SDK needs of a WebSocket: the WHATWG interface (also the `ws` package's). */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType?: string;
  send(data: string | ArrayBufferLike | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: any) => void): void;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export type SampleRate = 8000 | 16000 | 24000 | 48000;

export interface StreamOptions {
  agentId: string;
  language?: string;
  /** 8000, 16000 (default), 24000 or 48000: of the audio sent and received. */
  sampleRate?: SampleRate;
  /** Partial transcripts (`final: false`) too (true). */
  partials?: boolean;
  /** A WebSocket implementation; the global `WebSocket` when absent. */
  WebSocket?: WebSocketConstructor;
  /** Another key for this stream (a publishable `voc_pk_…`); the client's by default. */
  apiKey?: string;
  /** Milliseconds to wait for `ready` (15000). */
  timeout?: number;
}

export interface ReadyEvent {
  type: "ready";
  callId: string;
}
export interface AudioEvent {
  type: "audio";
  /** Base64 PCM16 LE mono at the stream's rate; `decodeAudio(event)` gives the bytes. */
  audio: string;
}
export interface TranscriptEvent {
  type: "transcript";
  role: "user" | "agent";
  text: string;
  final: boolean;
}
export interface FunctionCallEvent {
  type: "function_call";
  name: string;
  arguments: Record<string, unknown>;
  id: string;
}
export interface InterruptEvent {
  type: "interrupt";
}
export interface EndEvent {
  type: "end";
  summary: string;
  metadata: { duration?: number; sentiment?: string; leadScore?: number; endedReason?: string; [k: string]: unknown };
}
export interface ErrorEvent {
  type: "error";
  code: string;
  message: string;
}
export type StreamEvent =
  | ReadyEvent
  | AudioEvent
  | TranscriptEvent
  | FunctionCallEvent
  | InterruptEvent
  | EndEvent
  | ErrorEvent;

/** The PCM16 bytes of an audio event. */
export function decodeAudio(event: AudioEvent): Buffer {
  return Buffer.from(event.audio, "base64");
}

/** The http(s) base URL as the ws(s) URL of /v1/stream. */
export function streamUrl(baseUrl: string, apiKey: string): string {
  const url = new URL(baseUrl.replace(/\/+$/, "") + "/v1/stream");
  url.protocol = url.protocol === "https:" ? "wss:" : url.protocol === "http:" ? "ws:" : url.protocol;
  url.searchParams.set("apiKey", apiKey);
  return url.toString();
}

function text(data: unknown): string {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("utf8");
  return String(data);
}

/** The error a fatal close stands for: the last error frame's code, the close code's status. */
function closeError(code: number, reason: string, last: ErrorEvent | undefined): VocalIAError {
  const status = code >= 4000 && code < 5000 ? code - 4000 : 0;
  const errorCode = last?.code ?? (reason || (status ? codeForStatus(status) : "connection_error"));
  return errorFor(last?.message ?? `the stream closed with code ${code}${reason ? ` (${reason})` : ""}`, {
    code: errorCode,
    status,
    body: last,
  });
}

export class VoiceStream implements AsyncIterable<StreamEvent> {
  /** The web call of this stream (`call_…`), visible in `calls.get`. */
  callId = "";
  /** Resolves when the socket has closed, with its close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;

  private readonly ws: WebSocketLike;
  private readonly queue: StreamEvent[] = [];
  private waiters: Array<() => void> = [];
  private lastError: ErrorEvent | undefined;
  private failure: VocalIAError | undefined;
  private done = false;

  /** @internal Use `client.stream()`. */
  constructor(ws: WebSocketLike) {
    this.ws = ws;
    let onClosed: (value: { code: number; reason: string }) => void = () => undefined;
    this.closed = new Promise((resolve) => (onClosed = resolve));
    ws.addEventListener("message", (event: { data: unknown }) => {
      let frame: StreamEvent;
      try {
        frame = JSON.parse(text(event.data)) as StreamEvent;
      } catch {
        return; // the server only sends JSON text frames
      }
      if (frame.type === "error") this.lastError = frame;
      this.push(frame);
    });
    ws.addEventListener("close", (event: { code?: number; reason?: string }) => {
      const code = event.code ?? 1006;
      const reason = event.reason ?? "";
      if (code >= 4000 || (code !== 1000 && code !== 1005 && this.lastError)) {
        this.failure = closeError(code, reason, this.lastError);
      }
      this.done = true;
      onClosed({ code, reason });
      this.wake();
    });
  }

  private push(frame: StreamEvent): void {
    this.queue.push(frame);
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** The next event; undefined once the stream closed normally. Throws after a fatal close. */
  async next(): Promise<StreamEvent | undefined> {
    for (;;) {
      const frame = this.queue.shift();
      if (frame) return frame;
      if (this.done) {
        if (this.failure) throw this.failure;
        return undefined;
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /**
   * Every event until the socket closes (`end` is normally the last). Error frames are
   * yielded; when the server closes with a 4xxx code the loop throws the matching
   * `VocalIAError` (code of the last error frame, status from the close code).
   */
  async *[Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    for (;;) {
      const frame = await this.next();
      if (frame === undefined) return;
      yield frame;
    }
  }

  private sendJson(message: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(message));
  }

  /** Raw PCM16 LE mono audio, as a binary frame. */
  sendAudio(pcm: ArrayBufferLike | ArrayBufferView): void {
    this.ws.send(pcm);
  }

  /** Typed input, answered by the same agent. */
  sendText(value: string): void {
    this.sendJson({ type: "text", text: value });
  }

  /** Ends the conversation: the server answers `end` (with the summary), then closes. */
  end(): void {
    this.sendJson({ type: "end" });
  }

  /** Closes the socket at once. */
  close(code = 1000, reason = ""): void {
    this.ws.close(code, reason);
  }
}

/** @internal */
export async function openStream(base: string, apiKey: string, opts: StreamOptions): Promise<VoiceStream> {
  const Impl =
    opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!Impl) {
    throw new TypeError(
      "no WebSocket implementation: use Node 22+, run Node 20 with --experimental-websocket, " +
        "or pass one as stream({WebSocket}) (for instance the ws package's)",
    );
  }
  const ws = new Impl(streamUrl(base, opts.apiKey ?? apiKey));
  ws.binaryType = "arraybuffer";
  const stream = new VoiceStream(ws);
  const config: Record<string, unknown> = {
    type: "config",
    agentId: opts.agentId,
    sampleRate: opts.sampleRate ?? 16000,
  };
  if (opts.language !== undefined) config.language = opts.language;
  if (opts.partials !== undefined) config.partials = opts.partials;

  const opened = new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve());
    ws.addEventListener("error", (event: { error?: unknown; message?: string }) =>
      reject(
        new VocalIAError(`could not open the stream: ${event.message ?? String(event.error ?? "socket error")}`, {
          code: "connection_error",
          status: 0,
          cause: event.error,
        }),
      ),
    );
    void stream.closed.then(({ code, reason }) =>
      reject(closeError(code, reason, undefined)),
    );
  });
  const timeout = opts.timeout ?? 15000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new VocalIAError(`no ready frame within ${timeout} ms`, { code: "timeout", status: 0 })),
      timeout,
    );
  });
  try {
    await Promise.race([opened, expired]);
    stream["sendJson"](config);
    const first = await Promise.race([stream.next(), expired]);
    if (first?.type === "ready") {
      stream.callId = first.callId;
      return stream;
    }
    // An error frame before ready: the close that follows carries the status.
    const fatal = first?.type === "error" ? first : undefined;
    const closed = await Promise.race([stream.closed, expired.catch(() => undefined)]);
    throw closeError(closed?.code ?? 0, closed?.reason ?? "", fatal);
  } catch (error) {
    ws.close();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
