/*! VocalIA Voice Widget (B2B). Plain JavaScript, no build step.
 *
 * Embedding, either:
 *   <script>window.VOCALIA_CONFIG = {tenant_id, api_url, language, position};</script>
 *   <script src="https://api.example.com/voice-assistant/voice-widget-b2b.js" async></script>
 * or:
 *   <script src=".../voice-widget-b2b.js"></script>
 *   <script>VocalIA.init({apiKey: "voc_pk_live_...", agentId, language, position, theme, onReady});</script>
 *
 * The first needs the page's origin among the tenant's allowed origins: the widget config
 * then hands the page a widget token (an hour; renewed before it runs out) that acts as a
 * publishable key from that origin. An apiKey (voc_pk_...) may be given in either.
 * Events: VocalIA.on('conversationStart' | 'message' | 'conversationEnd' | 'error', cb).
 * Methods: VocalIA.open(), VocalIA.close(), VocalIA.destroy(), VocalIA.off(name, cb).
 * The microphone is captured through an AudioWorklet, resampled to 16 kHz PCM16 LE and
 * streamed over WS /v1/stream; the agent's audio is scheduled gaplessly; typed text goes over
 * the stream when one is live, else through POST /respond.
 */
(() => {
  "use strict";

  const existing = window.VocalIA;
  if (existing && existing.__vocalia) return; // the script was included twice

  const VERSION = "1.0.0";
  const LANGUAGES = ["fr", "en", "es", "ar", "ary"];
  const RTL = new Set(["ar", "ary"]);
  const POSITIONS = ["bottom-right", "bottom-left", "top-right", "top-left"];
  const EVENTS = ["ready", "conversationStart", "message", "conversationEnd", "error", "functionCall"];
  const STREAM_RATE = 16000;
  const FRAME_SAMPLES = 320; // 20 ms at 16 kHz
  const PLAYBACK_LEAD = 0.05; // seconds between now and the first scheduled buffer
  const READY_TIMEOUT_MS = 15000;
  const TOKEN_RENEW_S = 120; // a widget token with less left than this is renewed first
  const MAX_RECONNECTS = 5;
  // Closes that are a network or server accident, worth a reconnect (4xxx are refusals).
  const RETRYABLE_CLOSES = new Set([1001, 1005, 1006, 1011, 1012, 1013, 1014]);

  const STRINGS = {
    fr: {
      launcher: "Parler à notre assistant", title: "Assistant vocal", close: "Fermer",
      start: "Démarrer la conversation", stop: "Terminer la conversation",
      placeholder: "Écrivez votre message…", send: "Envoyer", you: "Vous", agent: "Assistant",
      idle: "Appuyez sur le micro pour parler, ou écrivez.", connecting: "Connexion…",
      listening: "Je vous écoute…", speaking: "L'assistant parle…", reconnecting: "Connexion perdue, reconnexion…",
      ended: "Conversation terminée.", micDenied: "Micro refusé : autorisez-le pour parler, ou écrivez votre message.",
      micUnavailable: "Aucun micro utilisable : écrivez votre message.",
      connectionLost: "La connexion a été coupée.", connectionFailed: "Connexion impossible. Réessayez plus tard.",
      configError: "L'assistant n'est pas disponible sur ce site.", sendFailed: "Message non envoyé. Réessayez.",
      transcript: "Transcription",
    },
    en: {
      launcher: "Talk to our assistant", title: "Voice assistant", close: "Close",
      start: "Start the conversation", stop: "End the conversation",
      placeholder: "Type your message…", send: "Send", you: "You", agent: "Assistant",
      idle: "Press the microphone to talk, or type.", connecting: "Connecting…",
      listening: "Listening…", speaking: "The assistant is speaking…", reconnecting: "Connection lost, reconnecting…",
      ended: "Conversation ended.", micDenied: "Microphone blocked: allow it to talk, or type your message.",
      micUnavailable: "No usable microphone: type your message.",
      connectionLost: "The connection was closed.", connectionFailed: "Cannot connect. Please try again later.",
      configError: "The assistant is not available on this site.", sendFailed: "Message not sent. Please retry.",
      transcript: "Transcript",
    },
    es: {
      launcher: "Hablar con nuestro asistente", title: "Asistente de voz", close: "Cerrar",
      start: "Iniciar la conversación", stop: "Terminar la conversación",
      placeholder: "Escriba su mensaje…", send: "Enviar", you: "Usted", agent: "Asistente",
      idle: "Pulse el micrófono para hablar, o escriba.", connecting: "Conectando…",
      listening: "Le escucho…", speaking: "El asistente está hablando…", reconnecting: "Conexión perdida, reconectando…",
      ended: "Conversación terminada.", micDenied: "Micrófono bloqueado: permítalo para hablar, o escriba su mensaje.",
      micUnavailable: "Ningún micrófono disponible: escriba su mensaje.",
      connectionLost: "La conexión se ha cortado.", connectionFailed: "No se puede conectar. Inténtelo más tarde.",
      configError: "El asistente no está disponible en este sitio.", sendFailed: "Mensaje no enviado. Inténtelo de nuevo.",
      transcript: "Transcripción",
    },
    ar: {
      launcher: "تحدث مع مساعدنا", title: "المساعد الصوتي", close: "إغلاق",
      start: "ابدأ المحادثة", stop: "أنهِ المحادثة",
      placeholder: "اكتب رسالتك…", send: "إرسال", you: "أنت", agent: "المساعد",
      idle: "اضغط على الميكروفون للتحدث، أو اكتب.", connecting: "جارٍ الاتصال…",
      listening: "أنا أستمع إليك…", speaking: "المساعد يتحدث…", reconnecting: "انقطع الاتصال، جارٍ إعادة الاتصال…",
      ended: "انتهت المحادثة.", micDenied: "الميكروفون محظور: اسمح به للتحدث، أو اكتب رسالتك.",
      micUnavailable: "لا يوجد ميكروفون صالح: اكتب رسالتك.",
      connectionLost: "انقطع الاتصال.", connectionFailed: "تعذّر الاتصال. حاول لاحقًا.",
      configError: "المساعد غير متاح على هذا الموقع.", sendFailed: "لم تُرسل الرسالة. حاول مجددًا.",
      transcript: "النص",
    },
    ary: {
      launcher: "هضر مع المساعد ديالنا", title: "المساعد الصوتي", close: "سدّ",
      start: "بدا المحادثة", stop: "سالي المحادثة",
      placeholder: "كتب الرسالة ديالك…", send: "صيفط", you: "نتا", agent: "المساعد",
      idle: "ورك على الميكرو باش تهضر، ولا كتب.", connecting: "كنتاصلو…",
      listening: "كنسمع ليك…", speaking: "المساعد كيهضر…", reconnecting: "تقطع الاتصال، كنعاودو نتاصلو…",
      ended: "سالات المحادثة.", micDenied: "الميكرو ممنوع: سمح ليه باش تهضر، ولا كتب الرسالة ديالك.",
      micUnavailable: "ما كاين حتى ميكرو: كتب الرسالة ديالك.",
      connectionLost: "تقطع الاتصال.", connectionFailed: "ما قدرناش نتاصلو. عاود من بعد.",
      configError: "المساعد ما خدامش فهاد الموقع.", sendFailed: "الرسالة ما تصيفطاتش. عاود.",
      transcript: "النص",
    },
  };

  // The capture processor runs on the audio thread: mono float samples at the context's rate
  // become 20 ms frames of 16 kHz PCM16, posted to the page (a box filter when decimating,
  // which is also the anti-aliasing filter; linear interpolation when the device is slower).
  const WORKLET_SOURCE = `
class VocaliaCapture extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const o = (options && options.processorOptions) || {};
    this.ratio = sampleRate / (o.targetRate || 16000);
    this.size = o.frameSamples || 320;
    this.frame = new Int16Array(this.size);
    this.n = 0; this.acc = 0; this.count = 0; this.pos = 0; this.prev = 0; this.t = 0;
    this.stopped = false;
    this.port.onmessage = (event) => { if (event.data === "stop") this.stopped = true; };
  }
  push(v) {
    const s = v > 1 ? 1 : v < -1 ? -1 : v;
    this.frame[this.n++] = s < 0 ? s * 0x8000 : s * 0x7fff;
    if (this.n === this.size) {
      const full = this.frame;
      this.port.postMessage(full.buffer, [full.buffer]);
      this.frame = new Int16Array(this.size);
      this.n = 0;
    }
  }
  process(inputs) {
    if (this.stopped) return false;
    const ch = inputs[0] && inputs[0][0];
    if (!ch) return true;
    if (this.ratio >= 1) {
      for (let i = 0; i < ch.length; i++) {
        this.acc += ch[i]; this.count++; this.pos += 1;
        if (this.pos >= this.ratio) {
          this.push(this.acc / this.count);
          this.acc = 0; this.count = 0; this.pos -= this.ratio;
        }
      }
    } else {
      for (let i = 0; i < ch.length; i++) {
        const cur = ch[i];
        while (this.t < 1) { this.push(this.prev + (cur - this.prev) * this.t); this.t += this.ratio; }
        this.t -= 1; this.prev = cur;
      }
    }
    return true;
  }
}
registerProcessor("vocalia-capture", VocaliaCapture);
`;

  const CSS = `
:host { all: initial; }
* { box-sizing: border-box; }
.vc { position: fixed; z-index: 2147483000; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans Arabic", sans-serif;
  color: var(--vc-text, #111827); }
.vc.bottom-right { bottom: 20px; right: 20px; } .vc.bottom-left { bottom: 20px; left: 20px; }
.vc.top-right { top: 20px; right: 20px; } .vc.top-left { top: 20px; left: 20px; }
.launcher { width: 60px; height: 60px; border-radius: 50%; border: 0; cursor: pointer; display: grid; place-items: center;
  background: var(--vc-primary, #4f46e5); color: #fff; box-shadow: 0 6px 20px rgba(0,0,0,.25); }
.launcher:focus-visible, button:focus-visible, input:focus-visible { outline: 3px solid var(--vc-secondary, #f59e0b); outline-offset: 2px; }
.launcher svg, .mic svg { width: 28px; height: 28px; fill: currentColor; }
.panel { position: absolute; width: min(360px, calc(100vw - 40px)); max-height: min(560px, calc(100vh - 110px)); display: flex; flex-direction: column;
  background: var(--vc-background, #fff); border-radius: 14px; box-shadow: 0 12px 40px rgba(0,0,0,.3); overflow: hidden; }
.panel[hidden] { display: none; }
.bottom-right .panel { bottom: 74px; right: 0; } .bottom-left .panel { bottom: 74px; left: 0; }
.top-right .panel { top: 74px; right: 0; } .top-left .panel { top: 74px; left: 0; }
header { display: flex; align-items: center; gap: 8px; padding: 12px 14px; background: var(--vc-primary, #4f46e5); color: #fff; }
header h2 { flex: 1; margin: 0; font-size: 16px; font-weight: 600; }
.close { background: transparent; color: inherit; border: 0; font-size: 22px; line-height: 1; cursor: pointer; padding: 2px 6px; border-radius: 6px; }
.welcome { margin: 10px 14px 0; color: inherit; opacity: .85; }
.status { margin: 6px 14px 0; font-size: 13px; opacity: .75; min-height: 1.2em; }
.alert { margin: 8px 14px 0; padding: 8px 10px; border-radius: 8px; background: #fee2e2; color: #991b1b; font-size: 14px; }
.alert:empty { display: none; }
.log { flex: 1; overflow-y: auto; padding: 10px 14px; display: flex; flex-direction: column; gap: 6px; min-height: 120px; }
.line { margin: 0; padding: 7px 10px; border-radius: 12px; max-width: 85%; white-space: pre-wrap; overflow-wrap: anywhere; }
.line.agent { align-self: flex-start; background: #f3f4f6; }
.line.user { align-self: flex-end; background: var(--vc-primary, #4f46e5); color: #fff; }
.line.partial { opacity: .6; font-style: italic; }
.who { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.controls { display: flex; gap: 8px; padding: 10px 14px 14px; align-items: center; border-top: 1px solid rgba(0,0,0,.08); }
.mic { flex: none; width: 44px; height: 44px; border-radius: 50%; border: 0; cursor: pointer; display: grid; place-items: center;
  background: var(--vc-primary, #4f46e5); color: #fff; }
.mic[aria-pressed="true"] { background: #dc2626; }
form { display: flex; flex: 1; gap: 6px; margin: 0; }
input { flex: 1; min-width: 0; padding: 9px 10px; border: 1px solid #d1d5db; border-radius: 10px; font: inherit; color: #111827; background: #fff; }
.send { padding: 0 12px; border: 0; border-radius: 10px; background: var(--vc-primary, #4f46e5); color: #fff; font: inherit; cursor: pointer; }
.toast { position: absolute; width: max-content; max-width: 260px; padding: 8px 10px; border-radius: 8px; background: #991b1b; color: #fff; font-size: 13px; }
.toast:empty { display: none; }
.bottom-right .toast, .top-right .toast { right: 70px; } .bottom-left .toast, .top-left .toast { left: 70px; }
.bottom-right .toast, .bottom-left .toast { bottom: 10px; } .top-right .toast, .top-left .toast { top: 10px; }
`;

  const MIC_ICON = '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.92V21h2v-3.08A7 7 0 0 0 19 11h-2z"/></svg>';
  const currentScript = document.currentScript;
  const scriptOrigin = (() => {
    try { return currentScript && currentScript.src ? new URL(currentScript.src).origin : window.location.origin; }
    catch (_) { return window.location.origin; }
  })();

  const handlers = new Map(EVENTS.map((name) => [name, new Set()]));
  let widget = null; // the one live instance

  function emit(name, data) {
    for (const cb of handlers.get(name) || []) {
      try { cb(data); } catch (err) { setTimeout(() => { throw err; }); }
    }
    try { window.dispatchEvent(new CustomEvent("vocalia:" + name, { detail: data })); } catch (_) { /* old browsers */ }
  }

  function pick(...values) {
    for (const v of values) if (v !== undefined && v !== null && v !== "") return v;
    return undefined;
  }

  function pcm16ToFloat(bytes) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out = new Float32Array(bytes.byteLength >> 1);
    for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true) / 32768;
    return out;
  }

  function base64Bytes(b64) {
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  class Widget {
    constructor(options) {
      this.options = options;
      this.apiUrl = String(options.apiUrl).replace(/\/+$/, "");
      this.apiKey = options.apiKey; // a publishable key, or the widget token of a tenant_id embed
      this.tokenExpiresAt = 0; // Unix seconds; 0 for a publishable key
      this.language = LANGUAGES.includes(options.language) ? options.language : "fr";
      this.position = POSITIONS.includes(options.position) ? options.position : "bottom-right";
      this.agentId = options.agentId;
      this.theme = Object.assign({}, options.theme || {});
      this.greeting = "";
      this.state = "idle"; // idle | connecting | live | reconnecting | ended
      this.ws = null;
      this.ctx = null;
      this.micStream = null;
      this.capture = null;
      this.sources = new Set();
      this.nextTime = 0;
      this.reconnects = 0;
      this.reconnectTimer = null;
      this.userEnded = false;
      this.callId = null;
      this.sessionId = null; // POST /respond conversation
      this.partials = { user: null, agent: null };
      this.debug = { audioBuffersScheduled: 0, audioSecondsScheduled: 0, interrupts: 0, framesSent: 0,
        reconnectAttempts: 0, textTurns: 0, partialLines: 0, errors: [] };
      this.onKeydown = this.onKeydown.bind(this);
      // Escape also closes when the focus left the widget (the page got a click meanwhile).
      this.onDocKeydown = (event) => { if (event.key === "Escape" && this.isOpen) this.close(); };
    }

    get t() { return STRINGS[this.language] || STRINGS.fr; }

    // GET /v1/widget/config: with the publishable key, or for the tenant alone (no
    // credential), which also answers a widget token for this page's origin.
    async fetchConfig(bySite) {
      const url = this.apiUrl + "/v1/widget/config" + (bySite ? "?tenant_id=" + encodeURIComponent(this.options.tenantId) : "");
      const r = await fetch(url, {
        headers: bySite ? {} : { Authorization: "Bearer " + this.apiKey }, credentials: "omit", mode: "cors",
      });
      const body = await r.json().catch(() => ({}));
      if (!r.ok) throw Object.assign(new Error((body.error && body.error.message) || "HTTP " + r.status), { code: body.error && body.error.code });
      if (bySite) {
        this.apiKey = body.widgetToken;
        this.tokenExpiresAt = Number(body.widgetTokenExpiresAt) || 0;
      }
      return body;
    }

    // A widget token about to run out is renewed before it is used (a publishable key is not).
    async credential() {
      if (this.tokenExpiresAt && this.tokenExpiresAt - Date.now() / 1000 < TOKEN_RENEW_S) {
        this.apiKey = null;
        await this.fetchConfig(true);
      }
      return this.apiKey;
    }

    async start() {
      let config = null;
      const bySite = !this.apiKey && typeof this.options.tenantId === "string" && this.options.tenantId !== "";
      if (!bySite && (!this.apiKey || !/^voc_pk_/.test(this.apiKey))) {
        this.build();
        this.fail({ code: "invalid_api_key", message: "VocalIA: give tenant_id, or an apiKey that is a publishable key (voc_pk_...)" }, this.t.configError);
        return;
      }
      // A page served by the API itself passes the config: a same-origin GET carries no
      // Origin header, which a publishable key needs.
      const preloaded = this.options.config;
      if (preloaded && typeof preloaded === "object") {
        config = preloaded;
      } else {
        try {
          config = await this.fetchConfig(bySite);
        } catch (err) {
          this.build();
          this.fail({ code: err.code || "config_unavailable", message: err.message }, this.t.configError);
          return;
        }
      }
      const o = this.options;
      if (o.tenantId && config.tenantId !== o.tenantId) {
        this.build();
        this.fail({ code: "tenant_mismatch", message: "VocalIA: this key belongs to another tenant than tenant_id" }, this.t.configError);
        return;
      }
      this.config = config;
      this.language = LANGUAGES.includes(o.language) ? o.language : config.language || "fr";
      this.position = POSITIONS.includes(o.position) ? o.position : config.position || "bottom-right";
      this.agentId = pick(o.agentId, config.agentId);
      this.theme = Object.assign({}, config.theme || {}, o.theme || {});
      this.greeting = pick(o.greeting, config.greeting) || "";
      this.build();
      const info = { tenantId: config.tenantId, agentId: this.agentId, language: this.language, version: VERSION };
      emit("ready", info);
      if (typeof o.onReady === "function") {
        try { o.onReady(info); } catch (err) { setTimeout(() => { throw err; }); }
      }
    }

    // --- UI -------------------------------------------------------------------------------

    build() {
      if (this.host) this.host.remove();
      const t = this.t;
      this.host = el("div", { id: "vocalia-widget", "data-vocalia-version": VERSION });
      const root = this.host.attachShadow({ mode: "open" });
      this.root = root;
      const style = el("style", {}, CSS);
      const dir = RTL.has(this.language) ? "rtl" : "ltr";
      const box = el("div", { class: "vc " + this.position, dir, lang: this.language });
      const vars = { primaryColor: "--vc-primary", secondaryColor: "--vc-secondary", backgroundColor: "--vc-background", textColor: "--vc-text" };
      for (const [k, v] of Object.entries(vars)) {
        const colour = this.theme[k];
        if (typeof colour === "string" && /^#[0-9a-fA-F]{3,8}$/.test(colour)) box.style.setProperty(v, colour);
      }
      const panelId = "vocalia-panel";
      this.launcher = el("button", { class: "launcher", type: "button", "aria-label": t.launcher, "aria-haspopup": "dialog",
        "aria-expanded": "false", "aria-controls": panelId });
      this.launcher.innerHTML = MIC_ICON;
      this.toast = el("div", { class: "toast", role: "alert" });
      this.panel = el("div", { class: "panel", id: panelId, role: "dialog", "aria-modal": "true", "aria-labelledby": "vocalia-title", hidden: "" });
      const header = el("header");
      header.append(el("h2", { id: "vocalia-title" }, t.title));
      this.closeBtn = el("button", { class: "close", type: "button", "aria-label": t.close }, "×");
      header.append(this.closeBtn);
      this.welcome = el("p", { class: "welcome" }, this.greeting);
      if (!this.greeting) this.welcome.hidden = true;
      this.statusEl = el("p", { class: "status", role: "status", "aria-live": "polite" }, t.idle);
      this.alertEl = el("p", { class: "alert", role: "alert" });
      this.log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": t.transcript, tabindex: "0" });
      const controls = el("div", { class: "controls" });
      this.micBtn = el("button", { class: "mic", type: "button", "aria-pressed": "false", "aria-label": t.start });
      this.micBtn.innerHTML = MIC_ICON;
      this.form = el("form", { autocomplete: "off" });
      this.input = el("input", { type: "text", name: "message", "aria-label": t.placeholder, placeholder: t.placeholder, maxlength: "2000" });
      this.sendBtn = el("button", { class: "send", type: "submit" }, t.send);
      this.form.append(this.input, this.sendBtn);
      controls.append(this.micBtn, this.form);
      this.panel.append(header, this.welcome, this.statusEl, this.alertEl, this.log, controls);
      box.append(this.panel, this.toast, this.launcher);
      root.append(style, box);
      this.box = box;

      this.launcher.addEventListener("click", () => (this.isOpen ? this.close() : this.open()));
      this.closeBtn.addEventListener("click", () => this.close());
      this.micBtn.addEventListener("click", () => (this.voiceActive ? this.endConversation() : this.startVoice()));
      this.form.addEventListener("submit", (event) => { event.preventDefault(); this.sendText(this.input.value); });
      box.addEventListener("keydown", this.onKeydown);
      document.body.append(this.host);
    }

    get isOpen() { return this.panel && !this.panel.hidden; }
    get voiceActive() { return this.state === "connecting" || this.state === "live" || this.state === "reconnecting"; }

    focusables() {
      return [this.closeBtn, this.log, this.micBtn, this.input, this.sendBtn].filter((n) => n && !n.disabled && !n.hidden);
    }

    onKeydown(event) {
      if (!this.isOpen) return;
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        this.close();
        return;
      }
      if (event.key !== "Tab") return;
      // The focus trap: Tab and Shift+Tab cycle inside the open dialog.
      const items = this.focusables();
      const active = this.root.activeElement;
      const i = items.indexOf(active);
      if (event.shiftKey && (i <= 0)) { event.preventDefault(); items[items.length - 1].focus(); }
      else if (!event.shiftKey && (i === -1 || i === items.length - 1)) { event.preventDefault(); items[0].focus(); }
    }

    setStatus(key) { if (this.statusEl) this.statusEl.textContent = this.t[key] || ""; }

    showError(text) {
      if (this.alertEl) this.alertEl.textContent = text || "";
      if (this.toast) this.toast.textContent = text && !this.isOpen ? text : "";
    }

    fail(error, visible) {
      this.debug.errors.push(error.code);
      this.showError(visible);
      emit("error", { code: error.code, message: error.message || visible });
    }

    addLine(role, text, final) {
      const who = role === "user" ? this.t.you : this.t.agent;
      let line = this.partials[role];
      if (!line) {
        line = el("p", { class: "line " + role, "data-role": role });
        line.append(el("span", { class: "who" }, who + ": "), el("span", { class: "text" }));
        this.log.append(line);
      }
      line.querySelector(".text").textContent = text;
      if (!final) this.debug.partialLines++;
      line.classList.toggle("partial", !final);
      line.dataset.final = final ? "true" : "false";
      this.partials[role] = final ? null : line;
      this.log.scrollTop = this.log.scrollHeight;
      if (final) emit("message", { role, text, final: true, callId: this.callId, sessionId: this.sessionId });
    }

    open() {
      if (!this.panel) return;
      this.panel.hidden = false;
      this.launcher.setAttribute("aria-expanded", "true");
      if (this.toast) this.toast.textContent = "";
      document.addEventListener("keydown", this.onDocKeydown);
      (this.micBtn || this.closeBtn).focus();
      if (this.options.autoStart !== false && this.config && this.state === "idle") this.startVoice();
    }

    close() {
      if (!this.panel) return;
      this.endConversation();
      this.panel.hidden = true;
      this.launcher.setAttribute("aria-expanded", "false");
      document.removeEventListener("keydown", this.onDocKeydown);
      this.launcher.focus();
    }

    destroy() {
      this.endConversation();
      document.removeEventListener("keydown", this.onDocKeydown);
      if (this.ctx) this.ctx.close().catch(() => {});
      this.ctx = null;
      if (this.host) this.host.remove();
      this.host = this.panel = null;
    }

    // --- voice ----------------------------------------------------------------------------

    async audioContext() {
      if (!this.ctx) this.ctx = new (window.AudioContext || window.webkitAudioContext)();
      if (this.ctx.state === "suspended") await this.ctx.resume().catch(() => {});
      return this.ctx;
    }

    async startVoice() {
      if (this.voiceActive || !this.config) return;
      this.userEnded = false;
      this.reconnects = 0;
      this.showError("");
      this.state = "connecting";
      this.setStatus("connecting");
      this.micBtn.setAttribute("aria-pressed", "true");
      this.micBtn.setAttribute("aria-label", this.t.stop);
      try {
        const ctx = await this.audioContext();
        if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) throw Object.assign(new Error("getUserMedia is unavailable"), { name: "NotSupportedError" });
        this.micStream = await navigator.mediaDevices.getUserMedia({
          audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
        });
        const url = URL.createObjectURL(new Blob([WORKLET_SOURCE], { type: "text/javascript" }));
        try { await ctx.audioWorklet.addModule(url); } finally { URL.revokeObjectURL(url); }
        if (this.userEnded) { this.releaseMic(); return; }
        const source = ctx.createMediaStreamSource(this.micStream);
        this.capture = new AudioWorkletNode(ctx, "vocalia-capture", {
          numberOfInputs: 1, numberOfOutputs: 1, channelCount: 1, channelCountMode: "explicit",
          channelInterpretation: "speakers", processorOptions: { targetRate: STREAM_RATE, frameSamples: FRAME_SAMPLES },
        });
        // A silent sink keeps the processor pulled by the graph.
        this.silent = ctx.createGain();
        this.silent.gain.value = 0;
        source.connect(this.capture).connect(this.silent).connect(ctx.destination);
        this.micSource = source;
        this.capture.port.onmessage = (event) => this.sendFrame(event.data);
      } catch (err) {
        this.releaseMic();
        this.state = "idle";
        this.micBtn.setAttribute("aria-pressed", "false");
        this.micBtn.setAttribute("aria-label", this.t.start);
        this.setStatus("idle");
        const denied = err && (err.name === "NotAllowedError" || err.name === "SecurityError");
        this.fail({ code: denied ? "microphone_denied" : "microphone_unavailable", message: (err && err.message) || String(err) },
          denied ? this.t.micDenied : this.t.micUnavailable);
        this.input.focus();
        return;
      }
      this.connect();
    }

    async connect() {
      let key;
      try {
        key = await this.credential();
      } catch (err) {
        // The server refused a new widget token (the origin is no longer allowed): final.
        // No answer at all (the network): retried like a lost socket.
        if (err.code) this.serverError = { code: err.code, message: err.message };
        this.onSocketClosed(null, { code: err.code ? 4403 : 1006 });
        return;
      }
      if (this.userEnded) return;
      const wsUrl = this.apiUrl.replace(/^http/, "ws") + "/v1/stream?apiKey=" + encodeURIComponent(key);
      let ws;
      try { ws = new WebSocket(wsUrl); } catch (err) { this.onSocketClosed(null, { code: 1006 }); return; }
      ws.binaryType = "arraybuffer";
      this.ws = ws;
      this.ready = false;
      this.serverError = null;
      this.readyTimer = setTimeout(() => { if (!this.ready && this.ws === ws) ws.close(4000, "no ready"); }, READY_TIMEOUT_MS);
      ws.onopen = () => {
        ws.send(JSON.stringify({ type: "config", agentId: this.agentId, language: this.language, sampleRate: STREAM_RATE }));
      };
      ws.onmessage = (event) => this.onServerFrame(ws, event.data);
      ws.onclose = (event) => this.onSocketClosed(ws, event);
      ws.onerror = () => { /* onclose follows with the details */ };
    }

    sendFrame(buffer) {
      const ws = this.ws;
      if (!ws || !this.ready || ws.readyState !== WebSocket.OPEN) return;
      // Back-pressure: a stalled socket drops microphone audio instead of queueing it forever.
      if (ws.bufferedAmount > 256 * 1024) return;
      ws.send(buffer);
      this.debug.framesSent++;
    }

    onServerFrame(ws, data) {
      if (ws !== this.ws || typeof data !== "string") return;
      let frame;
      try { frame = JSON.parse(data); } catch (_) { return; }
      switch (frame.type) {
        case "ready":
          clearTimeout(this.readyTimer);
          this.ready = true;
          this.state = "live";
          this.reconnects = 0;
          this.callId = frame.callId;
          this.showError("");
          this.setStatus("listening");
          emit("conversationStart", { callId: frame.callId, agentId: this.agentId, language: this.language, channel: "voice" });
          break;
        case "audio":
          if (typeof frame.audio === "string") this.play(frame.audio);
          break;
        case "interrupt": {
          // Barge-in: what is playing and what is scheduled stop now.
          const cut = this.ctx ? Math.max(0, this.nextTime - this.ctx.currentTime) : 0;
          const sources = this.sources.size;
          this.stopPlayback();
          this.debug.interrupts++;
          this.debug.lastInterrupt = { sourcesStopped: sources, secondsCut: cut, sourcesLeft: this.sources.size };
          break;
        }
        case "transcript":
          if ((frame.role === "user" || frame.role === "agent") && typeof frame.text === "string") {
            this.addLine(frame.role, frame.text, frame.final !== false);
          }
          break;
        case "function_call":
          emit("functionCall", { name: frame.name, arguments: frame.arguments, id: frame.id, callId: this.callId });
          break;
        case "end":
          this.finishCall({ callId: this.callId, summary: frame.summary, metadata: frame.metadata, reason: "ended" });
          break;
        case "error":
          this.serverError = { code: frame.code, message: frame.message };
          this.fail(this.serverError, frame.message || this.t.connectionLost);
          break;
        default:
          break;
      }
    }

    play(b64) {
      const ctx = this.ctx;
      if (!ctx) return;
      const samples = pcm16ToFloat(base64Bytes(b64));
      if (!samples.length) return;
      const buffer = ctx.createBuffer(1, samples.length, STREAM_RATE);
      buffer.copyToChannel(samples, 0);
      const node = ctx.createBufferSource();
      node.buffer = buffer;
      node.connect(ctx.destination);
      // Gapless: each buffer starts where the previous one ends.
      const at = Math.max(this.nextTime, ctx.currentTime + PLAYBACK_LEAD);
      node.start(at);
      this.nextTime = at + buffer.duration;
      this.sources.add(node);
      this.debug.audioBuffersScheduled++;
      this.debug.audioSecondsScheduled += buffer.duration;
      if (this.state === "live") this.setStatus("speaking");
      node.onended = () => {
        this.sources.delete(node);
        if (!this.sources.size && this.state === "live") this.setStatus("listening");
      };
    }

    stopPlayback() {
      for (const node of this.sources) { try { node.stop(); } catch (_) { /* not started */ } }
      this.sources.clear();
      this.nextTime = 0;
    }

    releaseMic() {
      if (this.capture) { try { this.capture.port.postMessage("stop"); this.capture.disconnect(); } catch (_) { /* gone */ } }
      if (this.micSource) { try { this.micSource.disconnect(); } catch (_) { /* gone */ } }
      if (this.micStream) for (const track of this.micStream.getTracks()) track.stop();
      this.capture = this.micSource = this.micStream = null;
    }

    resetVoiceUi(statusKey) {
      if (!this.micBtn) return;
      this.micBtn.setAttribute("aria-pressed", "false");
      this.micBtn.setAttribute("aria-label", this.t.start);
      this.setStatus(statusKey);
    }

    finishCall(detail) {
      const wasActive = this.state !== "idle" && this.state !== "ended";
      clearTimeout(this.readyTimer);
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
      this.releaseMic();
      this.stopPlayback();
      const ws = this.ws;
      this.ws = null;
      if (ws && ws.readyState <= WebSocket.OPEN) { try { ws.close(1000); } catch (_) { /* closing */ } }
      this.state = "ended";
      this.ready = false;
      this.partials = { user: null, agent: null };
      this.resetVoiceUi("ended");
      this.state = "idle";
      if (wasActive && this.callId) emit("conversationEnd", detail);
      this.callId = null;
    }

    endConversation() {
      if (!this.voiceActive) return;
      this.userEnded = true;
      const ws = this.ws;
      if (ws && ws.readyState === WebSocket.OPEN && this.ready) { try { ws.send(JSON.stringify({ type: "end" })); } catch (_) { /* closing */ } }
      this.finishCall({ callId: this.callId, reason: "user" });
    }

    onSocketClosed(ws, event) {
      if (ws !== null && ws !== this.ws) return; // a socket we already let go
      clearTimeout(this.readyTimer);
      if (this.userEnded) return;
      const code = event ? event.code : 1006;
      const wasReady = this.ready;
      this.ws = null;
      this.ready = false;
      this.stopPlayback();
      if (this.serverError || (code >= 4000 && code < 5000)) {
        // A refusal (revoked key, origin, quota, agent): retrying would be refused again.
        if (!this.serverError) this.fail({ code: "connection_closed", message: "closed " + code }, this.t.connectionLost);
        else this.showError(this.serverError.message || this.t.connectionLost);
        this.finishCall({ callId: this.callId, reason: "error", error: this.serverError, closeCode: code });
        return;
      }
      if (code === 1000 && wasReady) {
        this.finishCall({ callId: this.callId, reason: "closed", closeCode: code });
        return;
      }
      if ((RETRYABLE_CLOSES.has(code) || !wasReady) && this.reconnects < MAX_RECONNECTS) {
        this.fail({ code: "connection_lost", message: "the stream closed (" + code + "); reconnecting" }, this.t.reconnecting);
        const endedCall = this.callId;
        if (endedCall) emit("conversationEnd", { callId: endedCall, reason: "connection_lost", closeCode: code });
        this.callId = null;
        this.state = "reconnecting";
        this.setStatus("reconnecting");
        const delay = Math.min(15000, 500 * 2 ** this.reconnects) * (0.8 + Math.random() * 0.4);
        this.reconnects++;
        this.debug.reconnectAttempts++;
        this.reconnectTimer = setTimeout(() => { if (this.state === "reconnecting" && this.micStream) this.connect(); }, delay);
        return;
      }
      this.fail({ code: "connection_failed", message: "the stream closed (" + code + ")" }, this.t.connectionFailed);
      this.finishCall({ callId: this.callId, reason: "error", closeCode: code });
    }

    // --- text -----------------------------------------------------------------------------

    async sendText(raw) {
      const text = String(raw || "").trim();
      if (!text || !this.config) return;
      this.input.value = "";
      this.debug.textTurns++;
      const ws = this.ws;
      if (ws && this.ready && ws.readyState === WebSocket.OPEN) {
        // The stream echoes the line as the caller's transcript, then the agent answers.
        ws.send(JSON.stringify({ type: "text", text }));
        return;
      }
      this.addLine("user", text, true);
      try {
        const body = { message: text, language: this.language };
        if (this.agentId) body.agentId = this.agentId;
        if (this.sessionId) body.session_id = this.sessionId;
        const r = await fetch(this.apiUrl + "/respond", {
          method: "POST", credentials: "omit", mode: "cors",
          headers: { Authorization: "Bearer " + (await this.credential()), "Content-Type": "application/json" },
          body: JSON.stringify(body),
        });
        const data = await r.json().catch(() => ({}));
        if (!r.ok) throw Object.assign(new Error((data.error && data.error.message) || "HTTP " + r.status), { code: data.error && data.error.code });
        const first = !this.sessionId;
        this.sessionId = data.session_id;
        if (first) emit("conversationStart", { sessionId: data.session_id, agentId: data.agent_id, language: data.language, channel: "text" });
        this.addLine("agent", data.response, true);
        if (data.ended) { emit("conversationEnd", { sessionId: this.sessionId, reason: "ended" }); this.sessionId = null; }
      } catch (err) {
        this.fail({ code: err.code || "send_failed", message: err.message }, this.t.sendFailed);
      }
    }
  }

  function optionsFrom(config, opts) {
    const c = config || {};
    const o = opts || {};
    return {
      apiKey: pick(o.apiKey, o.api_key, c.apiKey, c.api_key, c.publishable_key),
      apiUrl: pick(o.apiUrl, o.api_url, c.apiUrl, c.api_url, scriptOrigin),
      tenantId: pick(o.tenantId, o.tenant_id, c.tenantId, c.tenant_id),
      agentId: pick(o.agentId, o.agent_id, c.agentId, c.agent_id),
      language: pick(o.language, c.language),
      position: pick(o.position, c.position),
      theme: Object.assign({}, c.theme || {}, o.theme || {}),
      greeting: pick(o.greeting, c.greeting),
      autoStart: pick(o.autoStart, c.autoStart),
      onReady: pick(o.onReady, c.onReady),
      config: pick(o.config, c.config),
    };
  }

  const api = {
    __vocalia: true,
    version: VERSION,
    init(opts) {
      if (widget) widget.destroy();
      widget = new Widget(optionsFrom(window.VOCALIA_CONFIG, opts));
      const go = () => widget && widget.start();
      if (document.body) go(); else document.addEventListener("DOMContentLoaded", go, { once: true });
      return api;
    },
    on(name, cb) {
      if (!handlers.has(name)) throw new Error("VocalIA.on: unknown event " + name + "; one of " + EVENTS.join(", "));
      if (typeof cb === "function") handlers.get(name).add(cb);
      return api;
    },
    off(name, cb) { if (handlers.has(name)) handlers.get(name).delete(cb); return api; },
    open() { if (widget) widget.open(); },
    close() { if (widget) widget.close(); },
    destroy() {
      if (widget) widget.destroy();
      widget = null;
      for (const set of handlers.values()) set.clear();
    },
    send(text) { if (widget) return widget.sendText(text); return undefined; },
    get debug() {
      if (!widget) return null;
      return Object.assign({ state: widget.state, callId: widget.callId, sessionId: widget.sessionId, errors: [] }, widget.debug,
        { errors: widget.debug.errors.slice() });
    },
  };
  window.VocalIA = api;

  // Calls queued before the script loaded (async embed): window.VocalIA = {q: [["init", {...}]]}.
  const queued = existing && Array.isArray(existing.q) ? existing.q : [];
  for (const [method, ...args] of queued) if (typeof api[method] === "function") api[method](...args);
  if (!queued.some(([m]) => m === "init") && window.VOCALIA_CONFIG) api.init();
  window.dispatchEvent(new CustomEvent("vocalia:loaded", { detail: { version: VERSION } }));
})();
