// The transport against a tiny local HTTP server: retries and back-off, Retry-After, which
// POSTs are retried, typed errors, timeouts, pagination. No VocalIA server needed.
import assert from "node:assert/strict";
import http from "node:http";
import test from "node:test";

import {
  APIConnectionError,
  APITimeoutError,
  AgentNotConfiguredError,
  AuthenticationError,
  ConcurrencyLimitError,
  ConflictError,
  InsufficientCreditsError,
  InternalServerError,
  InvalidPhoneNumberError,
  InvalidRequestError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  QuotaExceededError,
  RateLimitError,
  VocalIA,
  VocalIAError,
  parseRetryAfter,
} from "@vocalia/sdk";

/** A server answering from a list of scripted replies; records every request. */
async function fake(handler) {
  const requests = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const url = new URL(req.url, "http://x");
      const record = { method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body, at: Date.now() };
      requests.push(record);
      const reply = handler(record, requests.length);
      const send = () => {
        if (reply.destroy) return res.destroy();
        res.writeHead(reply.status ?? 200, { "Content-Type": reply.text ? "text/html" : "application/json", "X-Request-Id": `req_${requests.length}`, ...reply.headers });
        res.end(reply.text ?? (reply.body === undefined ? "" : JSON.stringify(reply.body)));
      };
      if (reply.delay) setTimeout(send, reply.delay);
      else send();
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address();
  const client = (options = {}) => new VocalIA({ apiKey: "voc_sk_test_abc", baseUrl: `http://127.0.0.1:${port}`, ...options });
  return { requests, client, port, close: () => new Promise((r) => server.close(r)) };
}

const err = (code, status, extra = {}) => ({ status, body: { error: { code, message: `${code}!`, status, request_id: "req_body", ...extra } } });
const CALL = { id: "call_1", status: "initiating" };

test("a GET is retried on 5xx with back-off, then succeeds", async () => {
  const f = await fake((r, n) => (n < 3 ? err("internal_error", 503) : { body: CALL }));
  try {
    const call = await f.client().calls.get("call_1");
    assert.deepEqual(call, CALL);
    assert.equal(f.requests.length, 3);
    const gap1 = f.requests[1].at - f.requests[0].at;
    const gap2 = f.requests[2].at - f.requests[1].at;
    assert.ok(gap1 >= 300 && gap2 >= 700, `back-off gaps ${gap1} ms, ${gap2} ms`);
    assert.equal(f.requests[0].headers.authorization, "Bearer voc_sk_test_abc");
    assert.match(f.requests[0].headers["user-agent"], /^vocalia-node\/\d+\.\d+\.\d+ node\/v\d+/);
  } finally {
    await f.close();
  }
});

test("retries stop at maxRetries; the last error is thrown, typed", async () => {
  const f = await fake(() => err("internal_error", 500));
  try {
    await assert.rejects(f.client({ maxRetries: 1 }).agents.get("a"), (e) => {
      assert.ok(e instanceof InternalServerError && e instanceof VocalIAError);
      assert.equal(e.status, 500);
      assert.equal(e.requestId, "req_body");
      return true;
    });
    assert.equal(f.requests.length, 2);
    f.requests.length = 0;
    await assert.rejects(f.client({ maxRetries: 0 }).agents.get("a"), InternalServerError);
    assert.equal(f.requests.length, 1);
  } finally {
    await f.close();
  }
});

test("429 honours Retry-After, and exposes retryAfter when it gives up", async () => {
  const f = await fake((r, n) => (n === 1 ? { ...err("rate_limit_exceeded", 429), headers: { "Retry-After": "1" } } : { body: CALL }));
  try {
    await f.client().calls.get("call_1");
    const waited = f.requests[1].at - f.requests[0].at;
    assert.ok(waited >= 950, `waited ${waited} ms`);
  } finally {
    await f.close();
  }
  const g = await fake(() => ({ ...err("rate_limit_exceeded", 429), headers: { "Retry-After": "120" } }));
  try {
    const started = Date.now();
    await assert.rejects(g.client().calls.get("call_1"), (e) => {
      assert.ok(e instanceof RateLimitError);
      assert.equal(e.retryAfter, 120);
      assert.equal(e.code, "rate_limit_exceeded");
      return true;
    });
    assert.equal(g.requests.length, 1, "a wait over maxRetryAfter is not waited for");
    assert.ok(Date.now() - started < 1000);
  } finally {
    await g.close();
  }
});

test("a POST that is not idempotent is not retried on 5xx, but is on rate_limit_exceeded", async () => {
  const f = await fake(() => err("internal_error", 500));
  try {
    await assert.rejects(f.client().respond({ message: "Bonjour" }), InternalServerError);
    assert.equal(f.requests.length, 1);
    await assert.rejects(f.client().agents.create({ id: "agent_x" }), InternalServerError);
    assert.equal(f.requests.length, 2);
  } finally {
    await f.close();
  }
  // The gate refuses a 429 before the handler runs: nothing happened, any request may retry.
  const g = await fake((r, n) => (n === 1 ? { ...err("rate_limit_exceeded", 429), headers: { "Retry-After": "0" } } : { body: { success: true, response: "Salut" } }));
  try {
    assert.equal((await g.client().respond({ message: "Bonjour", sessionId: "conv_1" })).response, "Salut");
    assert.equal(g.requests.length, 2);
    assert.deepEqual(JSON.parse(g.requests[1].body), { message: "Bonjour", session_id: "conv_1" });
  } finally {
    await g.close();
  }
});

test("POST /v1/calls is retried with one Idempotency-Key; concurrency limits are not retried", async () => {
  const f = await fake((r, n) => (n === 1 ? err("internal_error", 502) : { status: 201, body: CALL }));
  try {
    assert.deepEqual(await f.client().calls.create({ to: "+212612345678", agentId: "agent_support_fr" }), CALL);
    assert.equal(f.requests.length, 2);
    const [a, b] = f.requests.map((r) => r.headers["idempotency-key"]);
    assert.match(a, /^[0-9a-f-]{36}$/);
    assert.equal(a, b);
    assert.deepEqual(JSON.parse(f.requests[1].body), { to: "+212612345678", agentId: "agent_support_fr" });
    await f.client().calls.create({ to: "+212612345678", agentId: "a" }, { idempotencyKey: "mine-1" });
    assert.equal(f.requests[2].headers["idempotency-key"], "mine-1");
  } finally {
    await f.close();
  }
  const g = await fake(() => err("concurrency_limit_exceeded", 429));
  try {
    await assert.rejects(g.client().calls.create({ to: "+212612345678", agentId: "a" }), (e) => e instanceof ConcurrencyLimitError && e instanceof RateLimitError);
    assert.equal(g.requests.length, 1);
  } finally {
    await g.close();
  }
});

test("every error code of the contract has its class and fields", async () => {
  const table = [
    ["invalid_api_key", 401, AuthenticationError],
    ["insufficient_permissions", 403, PermissionDeniedError],
    ["resource_not_found", 404, NotFoundError],
    ["invalid_phone_number", 400, InvalidPhoneNumberError],
    ["rate_limit_exceeded", 429, RateLimitError],
    ["insufficient_credits", 402, InsufficientCreditsError],
    ["agent_not_configured", 400, AgentNotConfiguredError],
    ["internal_error", 500, InternalServerError],
    ["invalid_request", 400, InvalidRequestError],
    ["concurrency_limit_exceeded", 429, ConcurrencyLimitError],
    ["quota_exceeded", 402, QuotaExceededError],
    ["conflict", 409, ConflictError],
    ["payload_too_large", 413, PayloadTooLargeError],
  ];
  let current;
  const f = await fake(() => err(current[0], current[1], { param: "to" }));
  try {
    const c = f.client({ maxRetries: 0 });
    for (current of table) {
      await assert.rejects(c.calls.hangup("call_1"), (e) => {
        assert.ok(e instanceof current[2], `${current[0]} -> ${e.constructor.name}`);
        assert.equal(e.name, current[2].name);
        assert.deepEqual([e.code, e.status, e.param, e.requestId, e.message], [current[0], current[1], "to", "req_body", `${current[0]}!`]);
        return true;
      });
    }
    assert.ok(new InvalidPhoneNumberError("x", { code: "invalid_phone_number", status: 400 }) instanceof InvalidRequestError);
  } finally {
    await f.close();
  }
});

test("an answer that is not JSON still gives a typed error, from its status", async () => {
  const f = await fake(() => ({ status: 404, text: "<html>nope</html>" }));
  try {
    await assert.rejects(f.client().calls.get("x"), (e) => e instanceof NotFoundError && e.code === "resource_not_found" && e.requestId === "req_1");
  } finally {
    await f.close();
  }
});

test("timeouts and refused connections are APITimeoutError and APIConnectionError", async () => {
  const f = await fake(() => ({ body: CALL, delay: 400 }));
  try {
    await assert.rejects(f.client({ timeout: 100, maxRetries: 1 }).calls.get("x"), (e) => e instanceof APITimeoutError && e.code === "timeout" && e.status === 0);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(f.requests.length, 2, "a GET that timed out is retried");
  } finally {
    await f.close();
  }
  const g = await fake(() => ({ destroy: true }));
  try {
    await assert.rejects(g.client({ maxRetries: 0 }).calls.get("x"), (e) => e instanceof APIConnectionError && e.code === "connection_error");
  } finally {
    await g.close();
  }
  const closedPort = g.port;
  await assert.rejects(
    new VocalIA({ apiKey: "k", baseUrl: `http://127.0.0.1:${closedPort}`, maxRetries: 0 }).calls.get("x"),
    (e) => e instanceof APIConnectionError && /ECONNREFUSED/.test(e.message),
  );
});

test("lists: await gives a page, for await walks every page once, skipping shifted duplicates", async () => {
  const items = Array.from({ length: 5 }, (_, i) => ({ id: `call_${i}` }));
  const f = await fake((r) => {
    const limit = Number(r.query.limit ?? 20);
    const offset = Number(r.query.offset ?? 0);
    // A newer call arrives between pages: page 2 starts with the last of page 1 again.
    const from = offset === 0 ? 0 : offset - 1;
    return { body: { data: items.slice(from, from + limit), total: items.length, limit, offset } };
  });
  try {
    const c = f.client();
    const page = await c.calls.list({ limit: 2, status: "completed", from: new Date("2026-01-01T00:00:00Z") });
    assert.deepEqual(page.data.map((x) => x.id), ["call_0", "call_1"]);
    assert.equal(page.total, 5);
    assert.ok(page.hasMore());
    assert.deepEqual(f.requests[0].query, { limit: "2", status: "completed", from: "2026-01-01T00:00:00.000Z", offset: "0" });
    const ids = [];
    for await (const call of c.calls.list({ limit: 2 })) ids.push(call.id);
    assert.deepEqual(ids, ["call_0", "call_1", "call_2", "call_3", "call_4"]);
    assert.deepEqual((await c.agents.list({ limit: 3 }).toArray()).length, 5);
  } finally {
    await f.close();
  }
});

test("GraphQL errors are typed; a rate-limited query is retried, a mutation is not retried on 5xx", async () => {
  const f = await fake((r, n) => {
    const query = JSON.parse(r.body).query;
    if (query.includes("knowledgeQuota") && n === 1) {
      return { body: { data: null, errors: [{ message: "slow down", extensions: { code: "rate_limit_exceeded", status: 429, retryAfter: 0 } }] } };
    }
    if (query.includes("knowledgeQuota")) return { body: { data: { knowledgeQuota: { entries: 1, limit: 2000 } } } };
    if (query.includes("deleteKnowledgeEntry")) {
      return { body: { data: null, errors: [{ message: "no such entry", extensions: { code: "resource_not_found", status: 404 } }] } };
    }
    return { body: { data: null, errors: [{ message: "boom", extensions: { code: "internal_error", status: 500 } }] } };
  });
  try {
    const c = f.client();
    assert.equal((await c.knowledge.quota()).entries, 1);
    assert.equal(f.requests.length, 2);
    await assert.rejects(c.knowledge.delete("kbd_x"), (e) => e instanceof NotFoundError && e.status === 404 && e.requestId === "req_3");
    assert.equal(f.requests.length, 3);
    await assert.rejects(c.knowledge.save({ key: "k", value: "v" }), InternalServerError);
    assert.equal(f.requests.length, 4, "a mutation runs at most once");
  } finally {
    await f.close();
  }
});

test("client options: the key from VOCALIA_API_KEY, /v1 stripped from the base URL", () => {
  const saved = { key: process.env.VOCALIA_API_KEY, url: process.env.VOCALIA_BASE_URL };
  try {
    delete process.env.VOCALIA_API_KEY;
    delete process.env.VOCALIA_BASE_URL;
    assert.throws(() => new VocalIA(), /API key is required/);
    process.env.VOCALIA_API_KEY = "voc_sk_test_x";
    assert.equal(new VocalIA().baseUrl, "https://api.vocalia.ma");
    assert.equal(new VocalIA({ baseUrl: "https://api.vocalia.ma/v1/" }).baseUrl, "https://api.vocalia.ma");
  } finally {
    for (const [name, value] of [["VOCALIA_API_KEY", saved.key], ["VOCALIA_BASE_URL", saved.url]]) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  assert.equal(parseRetryAfter("3"), 3);
  assert.equal(parseRetryAfter(new Date(Date.now() + 10_000).toUTCString()) > 8, true);
  assert.equal(parseRetryAfter("soon"), undefined);
});
