// WS /v1/stream through client.stream(), against the real server.
import assert from "node:assert/strict";
import test from "node:test";

import { AgentNotConfiguredError, AuthenticationError, VocalIA, decodeAudio, streamUrl } from "@vocalia/sdk";

import { API_KEY, BASE_URL, client, live, unique } from "./helpers.mjs";

test("streamUrl turns the API's origin into the socket's URL", () => {
  assert.equal(streamUrl("https://api.vocalia.ma", "voc_pk_live_x"), "wss://api.vocalia.ma/v1/stream?apiKey=voc_pk_live_x");
  assert.equal(streamUrl("http://127.0.0.1:8000/", "k&1"), "ws://127.0.0.1:8000/v1/stream?apiKey=k%261");
});

test("without any WebSocket implementation, stream() says how to get one", async () => {
  const saved = Object.getOwnPropertyDescriptor(globalThis, "WebSocket");
  delete globalThis.WebSocket;
  try {
    const c = new VocalIA({ apiKey: "voc_sk_test_x", baseUrl: "http://127.0.0.1:9" });
    await assert.rejects(c.stream({ agentId: "a" }), (e) => e instanceof TypeError && /--experimental-websocket|pass one/.test(e.message));
  } finally {
    if (saved) Object.defineProperty(globalThis, "WebSocket", saved);
  }
});

const needsWebSocket = live.skip ? live : { skip: typeof WebSocket === "function" ? false : "no WebSocket in this Node (run with --experimental-websocket)" };

test("a text turn over the stream: ready, transcripts, audio, end; the call is a web call", needsWebSocket, async () => {
  const c = client();
  const agentId = unique("agent_stream");
  await c.agents.create({ id: agentId, name: "Stream", language: "fr", greeting: "Bonjour." });
  // The implementation given to the client is the one used (Node 20 has none by default).
  let made = 0;
  const Counting = class extends WebSocket {
    constructor(...args) {
      super(...args);
      made++;
    }
  };
  const voice = await new VocalIA({ apiKey: API_KEY, baseUrl: BASE_URL, WebSocket: Counting }).stream({ agentId, language: "fr", sampleRate: 16000 });
  assert.equal(made, 1);
  assert.match(voice.callId, /^call_/);
  let sent = false;
  let ended;
  let audioBytes = 0;
  const agentLines = [];
  for await (const event of voice) {
    if (event.type === "audio") audioBytes += decodeAudio(event).length;
    if (event.type === "transcript" && event.role === "agent" && event.final) {
      agentLines.push(event.text);
      if (!sent) {
        sent = true;
        voice.sendText("Quels sont vos horaires d'ouverture ?");
      } else {
        voice.end();
      }
    }
    if (event.type === "end") ended = event;
    assert.notEqual(event.type, "error", JSON.stringify(event));
  }
  assert.ok(agentLines.length >= 2, agentLines.join(" | "));
  assert.ok(audioBytes > 0 && audioBytes % 2 === 0);
  assert.ok(ended, "an end event");
  assert.equal(typeof ended.summary, "string");
  const { code } = await voice.closed;
  assert.equal(code, 1000);
  const call = await c.calls.get(voice.callId);
  assert.equal(call.direction, "web");
  assert.ok(call.transcript.some((line) => line.role === "user" && /horaires/.test(line.content)));
});

test("refusals: a bad key is AuthenticationError (4401), an unknown agent AgentNotConfiguredError", needsWebSocket, async () => {
  const bad = new VocalIA({ apiKey: "voc_sk_test_notakey", baseUrl: BASE_URL });
  await assert.rejects(bad.stream({ agentId: "agent_x" }), (e) => {
    assert.ok(e instanceof AuthenticationError, `${e.constructor.name}: ${e.message}`);
    assert.deepEqual([e.code, e.status], ["invalid_api_key", 401]);
    return true;
  });
  await assert.rejects(client().stream({ agentId: unique("agent_missing") }), (e) => {
    assert.ok(e instanceof AgentNotConfiguredError, `${e.constructor.name}: ${e.message}`);
    assert.deepEqual([e.code, e.status], ["agent_not_configured", 400]);
    return true;
  });
});
