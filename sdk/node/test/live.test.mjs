// The SDK against the real server (tests/sdk/test_node_sdk.py starts it and sets the env).
import assert from "node:assert/strict";
import http from "node:http";
import test from "node:test";

import {
  AgentNotConfiguredError,
  AuthenticationError,
  ConflictError,
  InvalidPhoneNumberError,
  InvalidRequestError,
  NotFoundError,
  VocalIA,
  isValidWebhookSignature,
  verifyStandardWebhook,
  verifyWebhook,
} from "@vocalia/sdk";

import { ACCESS_TOKEN, BASE_URL, LONG_SCRIPT, TENANT_ID, client, live, unique, until } from "./helpers.mjs";

const TO = "+212612345678";

test("agents: create, get, update, list (paged), delete", live, async () => {
  const c = client();
  const ids = [unique("agent_sdk"), unique("agent_sdk"), unique("agent_sdk")];
  for (const id of ids) {
    const agent = await c.agents.create({ id, name: "SDK", language: "fr" });
    assert.equal(agent.id, id);
    assert.equal(agent.enabled, true);
  }
  await assert.rejects(c.agents.create({ id: ids[0], name: "again" }), (e) => e instanceof ConflictError && e.status === 409);
  assert.equal((await c.agents.get(ids[1])).name, "SDK");
  assert.equal((await c.agents.update(ids[1], { name: "Renamed" })).name, "Renamed");
  const page = await c.agents.list({ limit: 2 });
  assert.equal(page.data.length, 2);
  assert.equal(page.limit, 2);
  assert.ok(page.total >= 3 && page.hasMore());
  const all = [];
  for await (const agent of c.agents.list({ limit: 2 })) all.push(agent.id);
  assert.equal(all.length, page.total);
  assert.equal(new Set(all).size, all.length);
  for (const id of ids) assert.ok(all.includes(id));
  assert.deepEqual(await c.agents.delete(ids[2]), { id: ids[2], deleted: true });
  await assert.rejects(c.agents.get(ids[2]), (e) => {
    assert.ok(e instanceof NotFoundError);
    assert.equal(e.code, "resource_not_found");
    assert.match(e.requestId, /^req_/);
    return true;
  });
});

test("phone numbers: create, list, conflict, delete", live, async () => {
  const c = client();
  const number = `+2125201${String(Math.floor(Math.random() * 1e5)).padStart(5, "0")}`;
  const row = await c.phoneNumbers.create({ number, label: "SDK" });
  assert.equal(row.number, number);
  assert.equal(row.carrier, "simulated");
  await assert.rejects(c.phoneNumbers.create({ number }), ConflictError);
  await assert.rejects(c.phoneNumbers.create({ number: "12" }), (e) => e instanceof InvalidPhoneNumberError || e instanceof InvalidRequestError);
  const list = await c.phoneNumbers.list();
  assert.ok(list.data.some((n) => n.id === row.id));
  assert.equal(list.total, list.data.length);
  assert.deepEqual(await c.phoneNumbers.delete(row.id), { id: row.id, deleted: true });
  assert.ok(!(await c.phoneNumbers.list()).data.some((n) => n.id === row.id));
});

test("calls: create (idempotent), get, transfer, conflict, hangup, list", live, async () => {
  const c = client();
  const agentId = unique("agent_calls");
  await c.agents.create({ id: agentId, name: "Calls", language: "fr" });
  const key = unique("idem");
  const call = await c.calls.create({ to: TO, agentId, metadata: { ...LONG_SCRIPT, customerId: "cust_123" } }, { idempotencyKey: key });
  assert.match(call.id, /^call_/);
  assert.equal(call.status, "initiating");
  assert.equal(call.metadata.customerId, "cust_123");
  const again = await c.calls.create({ to: TO, agentId, metadata: { ...LONG_SCRIPT, customerId: "cust_123" } }, { idempotencyKey: key });
  assert.equal(again.id, call.id, "the same Idempotency-Key places one call");

  await until(() => c.calls.get(call.id), (x) => x.status === "in-progress");
  const moved = await c.calls.transfer(call.id, { to: "+212520999888", message: "Je vous transfère." });
  assert.equal(moved.id, call.id);
  const ended = await until(() => c.calls.get(call.id), (x) => x.status === "completed");
  assert.equal(ended.endedReason, "transferred");
  await assert.rejects(c.calls.transfer(call.id, { to: "+212520999888" }), (e) => e instanceof ConflictError && e.code === "conflict");

  const second = await c.calls.create({ to: TO, agentId, metadata: LONG_SCRIPT });
  await until(() => c.calls.get(second.id), (x) => x.status === "in-progress");
  await c.calls.hangup(second.id);
  const hung = await until(() => c.calls.get(second.id), (x) => x.status === "completed" || x.status === "failed");
  assert.equal(hung.status, "completed");

  const page = await c.calls.list({ limit: 1, status: "completed" });
  assert.equal(page.data.length, 1);
  assert.ok(page.total >= 2);
  const seen = [];
  for await (const x of c.calls.list({ limit: 1, status: "completed" })) seen.push(x.id);
  assert.ok(seen.includes(call.id) && seen.includes(second.id));
  assert.equal(new Set(seen).size, seen.length);
  const today = new Date().toISOString().slice(0, 10);
  assert.ok((await c.calls.list({ from: today })).total >= 2);
});

test("errors from the server are typed, with code, status, param and request id", live, async () => {
  const c = client();
  await assert.rejects(c.calls.create({ to: "0612", agentId: "agent_x" }), (e) => {
    assert.ok(e instanceof InvalidPhoneNumberError && e instanceof InvalidRequestError);
    assert.deepEqual([e.code, e.status, e.param], ["invalid_phone_number", 400, "to"]);
    assert.match(e.requestId, /^req_/);
    return true;
  });
  await assert.rejects(c.calls.create({ to: TO, agentId: unique("agent_missing") }), (e) => e instanceof AgentNotConfiguredError && e.status === 400);
  await assert.rejects(c.calls.get("call_doesnotexist"), NotFoundError);
  await assert.rejects(c.calls.list({ limit: 1000 }), (e) => e instanceof InvalidRequestError && e.param === "limit");
  const bad = new VocalIA({ apiKey: "voc_sk_test_notakey", baseUrl: BASE_URL, maxRetries: 0 });
  await assert.rejects(bad.calls.list(), (e) => e instanceof AuthenticationError && e.status === 401 && e.code === "invalid_api_key");
});

test("respond: a text turn, then the same conversation", live, async () => {
  const c = client();
  const agentId = unique("agent_respond");
  await c.agents.create({ id: agentId, name: "Respond", language: "fr" });
  const first = await c.respond({ message: "Bonjour, quels sont vos horaires ?", language: "fr", agentId });
  assert.equal(first.success, true);
  assert.match(first.session_id, /^conv_/);
  assert.equal(first.agent_id, agentId);
  assert.ok(first.response.length > 0);
  const next = await c.respond({ message: "Merci beaucoup", sessionId: first.session_id });
  assert.equal(next.session_id, first.session_id);
});

test("knowledge base over GraphQL with the API key: save, import, list, search, quota, delete", live, async () => {
  const c = client();
  const saved = await c.knowledge.save({ key: "horaires", value: "Nous sommes ouverts du lundi au vendredi de 9h à 18h.", language: "fr" });
  assert.equal(saved.created, true);
  assert.match(saved.entry.id, /^kbd_/);
  assert.equal((await c.knowledge.save({ key: "horaires", value: "Nous sommes ouverts du lundi au samedi de 9h à 18h.", language: "fr" })).created, false);
  const report = await c.knowledge.import({ data: { livraison: "La livraison prend deux jours.", retours: "Les retours sont gratuits sous 30 jours." }, language: "fr" });
  assert.deepEqual([report.imported, report.updated, report.total, report.errors], [2, 0, 2, []]);
  const page = await c.knowledge.list({ limit: 2 });
  assert.deepEqual([page.data.length, page.total], [2, 3]);
  const keys = [];
  for await (const entry of c.knowledge.list({ limit: 2, language: "fr" })) keys.push(entry.key);
  assert.deepEqual(keys.sort(), ["horaires", "livraison", "retours"]);
  const results = await c.knowledge.search("livraison", { language: "fr", limit: 3 });
  assert.equal(results[0].key, "livraison", JSON.stringify(results));
  assert.equal(results[0].relevant, true);
  // The replaced text is the one searched.
  const [hit] = await c.knowledge.search("ouverts le samedi", { language: "fr", limit: 1 });
  assert.deepEqual([hit.key, hit.entryId, hit.relevant], ["horaires", saved.entry.id, true]);
  const quota = await c.knowledge.quota();
  assert.equal(quota.entries, 3);
  assert.ok(quota.limit >= 3);
  assert.deepEqual(await c.knowledge.delete(saved.entry.id), { id: saved.entry.id, deleted: true });
  await assert.rejects(c.knowledge.delete(saved.entry.id), (e) => e instanceof NotFoundError && e.code === "resource_not_found");
  await assert.rejects(c.knowledge.search("", {}), (e) => e instanceof InvalidRequestError);
  assert.deepEqual(await c.graphql("{ knowledgeQuota { entries } }"), { knowledgeQuota: { entries: 2 } });
});

test("webhooks: real deliveries verify with verifyWebhook and verifyStandardWebhook", live, async () => {
  assert.ok(ACCESS_TOKEN && TENANT_ID, "VOCALIA_TEST_ACCESS_TOKEN and VOCALIA_TEST_TENANT_ID are needed");
  const deliveries = [];
  const receiver = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      deliveries.push({ headers: req.headers, raw: Buffer.concat(chunks) });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
  try {
    const url = `http://127.0.0.1:${receiver.address().port}/hook`;
    const put = await fetch(`${BASE_URL}/api/tenants/${TENANT_ID}/webhooks`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${ACCESS_TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ endpoints: [{ url, events: ["call.initiated", "call.completed"] }] }),
    });
    const endpoints = await put.json();
    assert.equal(put.status, 200, JSON.stringify(endpoints));
    const secret = endpoints.endpoints[0].secret;
    assert.match(secret, /^whsec_/);

    const c = client();
    const agentId = unique("agent_hooks");
    await c.agents.create({ id: agentId, name: "Hooks", language: "fr" });
    const call = await c.calls.create({ to: TO, agentId, metadata: LONG_SCRIPT });
    await until(() => c.calls.get(call.id), (x) => x.status === "in-progress");
    await c.calls.hangup(call.id);
    await until(async () => deliveries.length, (n) => n >= 2, 30000);

    for (const { headers, raw } of deliveries) {
      const signature = headers["x-vocalia-signature"];
      assert.match(signature, /^sha256=[0-9a-f]{64}$/);
      // The reference's receiver: the raw body as a string or a Buffer.
      assert.equal(verifyWebhook(raw.toString("utf8"), signature, secret), true);
      assert.equal(verifyWebhook(raw, signature, secret), true);
      assert.equal(isValidWebhookSignature(Buffer.concat([raw, Buffer.from(" ")]), signature, secret), false);
      const event = verifyStandardWebhook(raw, headers, secret);
      assert.equal(event.id, headers["webhook-id"]);
      assert.equal(event.id, headers["x-vocalia-delivery"]);
      assert.equal(event.event, headers["x-vocalia-event"]);
      assert.equal(event.data.callId, call.id);
      assert.throws(() => verifyStandardWebhook(raw, headers, "whsec_" + Buffer.alloc(32).toString("base64")), /no matching signature/);
    }
    const events = deliveries.map((d) => d.headers["x-vocalia-event"]);
    assert.ok(events.includes("call.initiated") && events.includes("call.completed"), events.join());
  } finally {
    await new Promise((r) => receiver.close(r));
  }
});
