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
    metadata: {
        duration?: number;
        sentiment?: string;
        leadScore?: number;
        endedReason?: string;
        [k: string]: unknown;
    };
}
export interface ErrorEvent {
    type: "error";
    code: string;
    message: string;
}
export type StreamEvent = ReadyEvent | AudioEvent | TranscriptEvent | FunctionCallEvent | InterruptEvent | EndEvent | ErrorEvent;
/** The PCM16 bytes of an audio event. */
export declare function decodeAudio(event: AudioEvent): Buffer;
/** The http(s) base URL as the ws(s) URL of /v1/stream. */
export declare function streamUrl(baseUrl: string, apiKey: string): string;
export declare class VoiceStream implements AsyncIterable<StreamEvent> {
    /** The web call of this stream (`call_…`), visible in `calls.get`. */
    callId: string;
    /** Resolves when the socket has closed, with its close code and reason. */
    readonly closed: Promise<{
        code: number;
        reason: string;
    }>;
    private readonly ws;
    private readonly queue;
    private waiters;
    private lastError;
    private failure;
    private done;
    /** @internal Use `client.stream()`. */
    constructor(ws: WebSocketLike);
    private push;
    private wake;
    /** The next event; undefined once the stream closed normally. Throws after a fatal close. */
    next(): Promise<StreamEvent | undefined>;
    /**
     * Every event until the socket closes (`end` is normally the last). Error frames are
     * yielded; when the server closes with a 4xxx code the loop throws the matching
     * `VocalIAError` (code of the last error frame, status from the close code).
     */
    [Symbol.asyncIterator](): AsyncIterator<StreamEvent>;
    private sendJson;
    /** Raw PCM16 LE mono audio, as a binary frame. */
    sendAudio(pcm: ArrayBufferLike | ArrayBufferView): void;
    /** Typed input, answered by the same agent. */
    sendText(value: string): void;
    /** Ends the conversation: the server answers `end` (with the summary), then closes. */
    end(): void;
    /** Closes the socket at once. */
    close(code?: number, reason?: string): void;
}
/** @internal */
export declare function openStream(base: string, apiKey: string, opts: StreamOptions): Promise<VoiceStream>;
