// Shared by the tests that talk to the real server (tests/sdk/test_node_sdk.py sets the env).
import { VocalIA } from "@vocalia/sdk";

export const BASE_URL = process.env.VOCALIA_BASE_URL;
export const API_KEY = process.env.VOCALIA_API_KEY;
export const TENANT_ID = process.env.VOCALIA_TEST_TENANT_ID;
export const ACCESS_TOKEN = process.env.VOCALIA_TEST_ACCESS_TOKEN;
/** `{skip}` for node:test: the live tests need a server. */
export const live = { skip: BASE_URL && API_KEY ? false : "VOCALIA_BASE_URL and VOCALIA_API_KEY are not set" };
export const LONG_SCRIPT = { simulate: { script: Array(200).fill("Bonjour, une question.") } };

export function client(options = {}) {
  return new VocalIA({ apiKey: API_KEY, baseUrl: BASE_URL, ...options });
}

export function unique(prefix) {
  return `${prefix}_${Math.random().toString(36).slice(2, 10)}`;
}

export async function until(fn, predicate, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (predicate(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out; last value ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
