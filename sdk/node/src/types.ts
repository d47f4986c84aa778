/** The API's objects, as /v1 (camelCase), /respond and GraphQL return them. */

export type CallStatus = "initiating" | "ringing" | "in-progress" | "completed" | "failed";
export type CallDirection = "outbound" | "inbound" | "web";
export type Language = "fr" | "en" | "es" | "ar" | "ary";
export type Sentiment = "positive" | "neutral" | "negative";

export interface TranscriptLine {
  role: "agent" | "user";
  content: string;
  startMs?: number;
  [extra: string]: unknown;
}

export interface ToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
  result?: unknown;
  at: string;
}

export interface Call {
  id: string;
  status: CallStatus;
  direction: CallDirection;
  to: string | null;
  from: string | null;
  agentId: string;
  createdAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  duration: number | null;
  transcript: TranscriptLine[];
  sentiment: Sentiment | null;
  summary: string | null;
  leadScore: number | null;
  cost: number | null;
  endedReason: string | null;
  metadata: Record<string, unknown>;
  recordingUrl: string | null;
  latency: { p50Ms?: number; p95Ms?: number; [extra: string]: unknown } | null;
  toolCalls: ToolCall[];
}

export interface CallCreateParams {
  /** E.164 number to call. */
  to: string;
  agentId: string;
  from?: string;
  /** Passed to the agent; at most 16 KiB of JSON. */
  metadata?: Record<string, unknown>;
  /** Receives this call's webhook events. */
  webhookUrl?: string;
}

export interface CallListParams {
  /** Page size, 1 to 100 (20). */
  limit?: number;
  offset?: number;
  status?: CallStatus;
  /** ISO 8601 date or date-time on createdAt (a Date is sent as ISO). */
  from?: string | Date;
  /** ISO 8601 date (inclusive) or date-time. */
  to?: string | Date;
}

export interface CallTransferParams {
  to: string;
  message?: string;
}

export interface FaqItem {
  question: string;
  answer: string;
}

export interface Agent {
  id: string;
  name: string;
  language: Language;
  persona: string;
  instructions: string;
  greeting: string;
  voice: string;
  tools: string[];
  faq: FaqItem[];
  transferNumber: string | null;
  maxDuration: number;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface AgentParams {
  id?: string;
  name?: string;
  language?: Language;
  persona?: string;
  instructions?: string;
  greeting?: string;
  voice?: string;
  tools?: string[];
  faq?: FaqItem[];
  transferNumber?: string | null;
  /** Seconds, 10 to 7200. */
  maxDuration?: number;
  enabled?: boolean;
}

export interface ListParams {
  limit?: number;
  offset?: number;
}

export interface PhoneNumber {
  id: string;
  number: string;
  label: string;
  isDefault: boolean;
  carrier: string;
  createdAt: string;
}

export interface PhoneNumberCreateParams {
  number: string;
  label?: string;
  carrier?: string;
  isDefault?: boolean;
}

export interface Deleted {
  id: string;
  deleted: boolean;
}

export interface RespondParams {
  message: string;
  language?: Language;
  /** conv_… of the conversation to go on; a new one starts without it. */
  sessionId?: string;
  agentId?: string;
  /** The caller's tenant (the key already says which; another one is resource_not_found). */
  tenantId?: string;
}

export interface AgentAction {
  id: string;
  type: string;
  arguments: Record<string, unknown>;
  result: Record<string, unknown>;
}

export interface RespondResult {
  success: boolean;
  response: string;
  session_id: string;
  language: Language;
  agent_id: string;
  lead: { score: number; status: "cold" | "warm" | "hot" };
  actions: AgentAction[];
  ended: boolean;
}

export interface KnowledgeEntry {
  id: string;
  key: string;
  language: string;
  title: string;
  content: string;
  source: string;
  characters: number;
  createdAt: string;
  updatedAt: string;
}

export interface KnowledgeListParams extends ListParams {
  language?: Language;
  source?: string;
}

export interface KnowledgeSaveParams {
  key: string;
  /** The text, or {response, question}. */
  value: string | Record<string, unknown>;
  language?: Language;
}

export interface SavedKnowledgeEntry {
  entry: KnowledgeEntry;
  created: boolean;
}

export interface KnowledgeImportParams {
  /** An object (key → text or {response, question}) or an array of objects with a key. */
  data: Record<string, unknown> | Array<Record<string, unknown>>;
  language?: Language;
  /** False keeps the text of keys already stored (true). */
  overwrite?: boolean;
}

export interface KnowledgeImportReport {
  imported: number;
  updated: number;
  skipped: number;
  total: number;
  errors: Array<{ index: number; key: string | null; param: string | null; message: string }>;
}

export interface KnowledgeSearchParams {
  language?: Language;
  /** 1 to 20 (5). */
  limit?: number;
}

export interface KnowledgeSearchResult {
  entryId: string;
  key: string;
  title: string;
  source: string;
  language: string;
  heading: string;
  text: string;
  score: number;
  bm25: number;
  dense: number;
  relevant: boolean;
  snippet: { text: string; highlights: Array<{ start: number; end: number }> };
}

export interface KnowledgeQuota {
  entries: number;
  limit: number;
  chunks: number;
  characters: number;
  languages: string[];
}

export interface KnowledgeCrawlParams {
  url: string;
  language?: Language;
  maxPages?: number;
  maxDepth?: number;
  maxBytes?: number;
}

export interface KnowledgeJob {
  id: string;
  status: "queued" | "running" | "completed" | "failed" | "canceled";
  url: string;
  language: string;
  pages: number;
  maxPages: number;
  bytes: number;
  queued: number;
  skipped: Array<{ url: string; reason: string }>;
  error: string | null;
}
