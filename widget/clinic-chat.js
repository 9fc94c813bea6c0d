/*!
 * clinic-chat.js: the clinic's website chat widget for the Rasa assistant (REST channel).
 * Dependency-free, no build step. Embed with one script tag and a small config object:
 *
 *   <script>
 *     window.ClinicChatConfig = {
 *       serverUrl: "https://assistant.example-clinic.com",  // Rasa, with --cors admitting this site
 *       clinicName: "Riverside Migraine Clinic",
 *       clinicPhone: "(555) 010-0000", clinicPhoneTel: "+15550100000",
 *       emergencyNumber: "911",
 *       colors: { primary: "#0b5394" }
 *     };
 *   </script>
 *   <script src="/clinic-chat.js" defer></script>
 *
 * (Or data attributes on the script tag: data-server-url, data-clinic-name, data-clinic-phone,
 * data-clinic-phone-tel, data-emergency-number, data-color-primary.)
 *
 * Safety rules this file keeps (docs/widget.md):
 * - bot and patient text are only ever put in the page with textContent / createTextNode: no string
 *   ever goes through the HTML parser (tests/widget checks the file for the HTML-parsing APIs);
 * - links are built as DOM nodes: http(s) URLs only (new tab, rel="noopener noreferrer") and tel:
 *   links with digits only;
 * - the conversation (sender id + transcript) lives in sessionStorage only: it survives a reload and
 *   the other pages of the site, and is gone when the tab closes (health information, shared computers);
 * - a message is never lost silently: errors and timeouts show the clinic's phone and a retry, and the
 *   patient's typed text goes back into the input;
 * - the "Helpful" / "Not helpful" buttons under an answer send only the conversation id, the choice, which
 *   answer (counted back from the latest) and its topic id: never any text (never under the greeting, nor
 *   under emergency, crisis or urgent-check replies: those are not up for a vote).
 */
(function () {
  "use strict";

  if (window.ClinicChat && window.ClinicChat.version) return; // the script was included twice

  var VERSION = "1.0.0";
  var STORAGE_VERSION = 1;
  var MAX_ENTRIES = 200;
  var MAX_TEXT = 5000;
  var KINDS = ["disclaimer", "answer", "clinician", "fallback", "emergency", "crisis", "error",
    "urgent_check", "callback", "callback_confirmed", "callback_ended"];
  // What the message box becomes while the call-back form asks a question (custom.input, custom.label).
  var INPUT_MODES = {
    tel: { type: "tel", inputmode: "tel", autocomplete: "tel", placeholder: "Phone number, with area code" },
    text: { type: "text", inputmode: "text", autocomplete: "given-name", placeholder: "First name (optional)" }
  };
  var DEFAULT_LABEL = "Your question";
  // Replies that take the "Helpful" / "Not helpful" buttons, and those that never do (any message of a
  // reply in SAFETY_KINDS, or the greeting's disclaimer, keeps the buttons off the whole reply:
  // plugins/feedback.py refuses them too).
  var RATED_KINDS = ["answer", "clinician"];
  var SAFETY_KINDS = ["emergency", "crisis", "urgent_check"];
  var TOPIC_ID = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;
  var THANKS = "Thanks for your feedback.";
  var SCRIPT = document.currentScript;

  /* ------------------------------------------------------------------ config */

  var DEFAULTS = {
    serverUrl: "http://localhost:5005",
    webhookPath: "/webhooks/rest/webhook",
    feedbackPath: "/webhooks/rest/feedback",
    clinicName: "the clinic",
    clinicPhone: "",
    clinicPhoneTel: "",
    emergencyNumber: "911",
    greetPayload: "/greet",
    timeoutMs: 15000,
    position: "right",
    launcherLabel: "Questions? Chat with us",
    colors: {
      primary: "#0b5394",    // launcher, header, patient bubbles, send button
      background: "#ffffff", // the panel
      botBubble: "#eef2f7",
      text: "#1b1f24",
      emergency: "#a4001d",  // emergency replies (white text on it)
      crisis: "#4a148c",     // crisis replies (white text on it)
      urgent: "#ffc400"      // urgent_check safety-net cards (near-black text on it)
    }
  };

  function readConfig() {
    var user = window.ClinicChatConfig || {};
    var data = (SCRIPT && SCRIPT.dataset) || {};
    var cfg = {};
    Object.keys(DEFAULTS).forEach(function (k) { if (k !== "colors") cfg[k] = DEFAULTS[k]; });
    var fromData = {
      serverUrl: data.serverUrl, clinicName: data.clinicName, clinicPhone: data.clinicPhone,
      clinicPhoneTel: data.clinicPhoneTel, emergencyNumber: data.emergencyNumber,
      position: data.position
    };
    Object.keys(fromData).forEach(function (k) { if (fromData[k]) cfg[k] = fromData[k]; });
    Object.keys(user).forEach(function (k) {
      if (k !== "colors" && user[k] !== undefined && user[k] !== null && user[k] !== "") cfg[k] = user[k];
    });
    cfg.colors = {};
    Object.keys(DEFAULTS.colors).forEach(function (k) { cfg.colors[k] = DEFAULTS.colors[k]; });
    if (data.colorPrimary) cfg.colors.primary = data.colorPrimary;
    var uc = user.colors || {};
    Object.keys(uc).forEach(function (k) { if (parseColor(uc[k])) cfg.colors[k] = uc[k]; });

    cfg.serverUrl = String(cfg.serverUrl).replace(/\/+$/, "");
    cfg.clinicName = String(cfg.clinicName);
    cfg.clinicPhone = String(cfg.clinicPhone || "");
    cfg.clinicPhoneTel = telDigits(cfg.clinicPhoneTel || cfg.clinicPhone);
    cfg.emergencyNumber = telDigits(cfg.emergencyNumber) || "911";
    cfg.timeoutMs = Math.max(1000, Number(cfg.timeoutMs) || DEFAULTS.timeoutMs);
    return cfg;
  }

  /* ------------------------------------------------------------------ colours (WCAG contrast) */

  function parseColor(c) {
    var m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(c || "").trim());
    if (!m) return null;
    var h = m[1].length === 3 ? m[1].replace(/./g, "$&$&") : m[1];
    return [0, 2, 4].map(function (i) { return parseInt(h.substr(i, 2), 16); });
  }

  function luminance(rgb) {
    var v = rgb.map(function (x) {
      x /= 255;
      return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
  }

  function contrast(a, b) {
    var la = luminance(parseColor(a)), lb = luminance(parseColor(b));
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }

  // The text colour with the better contrast on `bg` (so a clinic's light brand colour still passes AA).
  function readableOn(bg) {
    return contrast(bg, "#ffffff") >= contrast(bg, "#111111") ? "#ffffff" : "#111111";
  }

  // `fg` if it reaches AA (4.5:1) on `bg`, else the readable fallback.
  function accessible(fg, bg) {
    return contrast(fg, bg) >= 4.5 ? fg : readableOn(bg);
  }

  /* ------------------------------------------------------------------ small helpers */

  function telDigits(s) {
    return String(s || "").replace(/[^0-9+]/g, "").replace(/(?!^)\+/g, "").slice(0, 20);
  }

  function safeHttpUrl(s) {
    try {
      var u = new URL(String(s));
      return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
    } catch (e) {
      return null;
    }
  }

  var UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  // The conversation id is the only key to a conversation, and the server accepts only a random UUID:
  // a canonical v4 from the browser's CSPRNG, never Math.random (randomUUID needs a secure context,
  // getRandomValues does not). Without either there is no safe id and the widget does not start.
  function randomId() {
    var c = window.crypto;
    if (c && typeof c.randomUUID === "function") return c.randomUUID();
    var b = new Uint8Array(16);
    c.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; // version 4
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
    var h = Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  }

  function escapeRegExp(s) {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  // Builds an element. attrs: plain attributes (setAttribute), except `text` (textContent),
  // `on<event>` (listeners) and `hidden`/`disabled` (properties). Never parses HTML.
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    attrs = attrs || {};
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "text") node.textContent = String(v);
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), v);
      else if (k === "hidden" || k === "disabled") node[k] = true;
      else node.setAttribute(k, String(v));
    });
    (children || []).forEach(function (c) {
      if (c !== null && c !== undefined) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  var SVG_NS = "http://www.w3.org/2000/svg";
  function icon(paths) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    paths.forEach(function (d) {
      var p = document.createElementNS(SVG_NS, "path");
      p.setAttribute("d", d);
      svg.appendChild(p);
    });
    return svg;
  }
  var ICON_CHAT = ["M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"];
  var ICON_CLOSE = ["M6 6l12 12M18 6L6 18"];
  var ICON_SEND = ["M3 20l18-8L3 4v6l12 2-12 2z"];
  var ICON_PHONE = ["M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25 11.4 11.4 0 0 0 3.6.57 1 1 0 0 1 1 1V20a1 1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.45.57 3.57a1 1 0 0 1-.25 1z"];

  /* ------------------------------------------------------------------ storage (sessionStorage only) */

  function makeStore(key) {
    var memory = null; // used when sessionStorage is unavailable (privacy modes, sandboxed iframes)
    function ss() {
      try { return window.sessionStorage; } catch (e) { return null; }
    }
    return {
      load: function () {
        var s = ss(), raw = null;
        try { raw = s ? s.getItem(key) : memory; } catch (e) { raw = memory; }
        try {
          var st = raw ? JSON.parse(raw) : null;
          if (st && st.v === STORAGE_VERSION && typeof st.sender === "string" && UUID_V4.test(st.sender) &&
              Array.isArray(st.entries)) return st;
        } catch (e) { /* a corrupt entry starts a fresh conversation */ }
        return null;
      },
      save: function (state) {
        var raw = JSON.stringify(state);
        var s = ss();
        try { if (s) { s.setItem(key, raw); return; } } catch (e) { /* quota: keep in memory */ }
        memory = raw;
      },
      clear: function () {
        var s = ss();
        try { if (s) s.removeItem(key); } catch (e) { /* nothing stored */ }
        memory = null;
      }
    };
  }

  // turns: how many replies the assistant has sent in this conversation (the greeting counts), so a
  // rated answer can be named by how far back it is (plugins/feedback.py, turns_back).
  function freshState() {
    return { v: STORAGE_VERSION, sender: randomId(), entries: [], greeted: false, open: false, turns: 0 };
  }

  /* ------------------------------------------------------------------ bot messages */

  function cleanCall(c) {
    if (!c || typeof c !== "object") return null;
    var tel = telDigits(c.tel);
    if (!tel) return null;
    return { label: String(c.label || ("Call " + tel)).slice(0, 80), tel: tel };
  }

  // A REST channel message -> a transcript entry with only the fields the widget uses, all strings.
  function botEntry(m) {
    var custom = (m && typeof m.custom === "object" && m.custom) || {};
    var kind = KINDS.indexOf(custom.kind) >= 0 ? custom.kind : "answer";
    var buttons = Array.isArray(m.buttons) ? m.buttons.filter(function (b) {
      return b && typeof b.title === "string" && typeof b.payload === "string" && b.title.trim() && b.payload.trim();
    }).slice(0, 20).map(function (b) {
      return { title: b.title.slice(0, 120), payload: b.payload.slice(0, 1000) };
    }) : [];
    var e = { who: "bot", kind: kind, text: typeof m.text === "string" ? m.text.slice(0, MAX_TEXT) : "" };
    if (buttons.length) e.buttons = buttons;
    var call = cleanCall(custom.call), crisisCall = cleanCall(custom.crisis_call);
    if (call) e.call = call;
    if (crisisCall) e.crisisCall = crisisCall;
    var booking = safeHttpUrl(custom.booking_url);
    if (booking && kind === "clinician") e.booking = booking;
    if (typeof custom.topic === "string" && TOPIC_ID.test(custom.topic)) e.topic = custom.topic;
    if (kind === "callback" && INPUT_MODES.hasOwnProperty(custom.input) && typeof custom.label === "string") {
      e.input = custom.input;
      e.label = custom.label.slice(0, 80);
    }
    return e;
  }

  function actionsKey(e) {
    return [e.kind, e.call && e.call.tel, e.crisisCall && e.crisisCall.tel, e.booking].join("|");
  }

  // Several messages of one reply often carry the same call link: show it once, on the last of them.
  // An urgent_check keeps it on its first message, the one that says "call now".
  function dedupeActions(entries) {
    var i = 0;
    while (i < entries.length) {
      var a = entries[i], j = i;
      var has = a.call || a.crisisCall || a.booking;
      while (has && j + 1 < entries.length && actionsKey(entries[j + 1]) === actionsKey(a)) j++;
      var keep = a.kind === "urgent_check" ? i : j;
      for (var k = i; k <= j; k++) {
        if (k !== keep) { delete entries[k].call; delete entries[k].crisisCall; delete entries[k].booking; }
      }
      i = j + 1;
    }
    return entries;
  }

  /* ------------------------------------------------------------------ styles */

  function css(cfg) {
    var c = cfg.colors;
    var onPrimary = readableOn(c.primary);
    var link = accessible(c.primary, c.botBubble);
    var text = accessible(c.text, c.background);
    var botText = accessible(c.text, c.botBubble);
    var chipText = accessible(c.primary, c.background);
    var side = cfg.position === "left" ? "left" : "right";
    return [
      ":host{all:initial;--cc-primary:" + c.primary + ";--cc-on-primary:" + onPrimary + ";--cc-bg:" + c.background +
        ";--cc-text:" + text + ";--cc-bot:" + c.botBubble + ";--cc-bot-text:" + botText + ";--cc-link:" + link +
        ";--cc-chip:" + chipText + ";--cc-em:" + c.emergency + ";--cc-on-em:" + readableOn(c.emergency) +
        ";--cc-crisis:" + c.crisis + ";--cc-on-crisis:" + readableOn(c.crisis) +
        ";--cc-urgent:" + c.urgent + ";--cc-on-urgent:" + readableOn(c.urgent) + ";}",
      "*,*::before,*::after{box-sizing:border-box}",
      ".root{font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Liberation Sans',Arial,sans-serif;color:var(--cc-text);-webkit-text-size-adjust:100%}",
      "[hidden]{display:none!important}",
      "button,input{font:inherit;color:inherit}",
      ":focus-visible{outline:3px solid #1a73e8;outline-offset:2px}",
      ".sr{position:absolute!important;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}",
      "svg{width:22px;height:22px;flex:none;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}",
      /* launcher */
      ".launcher{position:fixed;" + side + ":20px;bottom:20px;z-index:2147482000;display:flex;align-items:center;gap:8px;min-height:52px;padding:12px 20px;border:2px solid var(--cc-on-primary);border-radius:28px;background:var(--cc-primary);color:var(--cc-on-primary);font-weight:600;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.3)}",
      ".launcher:hover{filter:brightness(1.08)}",
      ".launcher:focus-visible{outline:3px solid #1a73e8;outline-offset:3px}",
      /* panel */
      ".panel{position:fixed;" + side + ":20px;bottom:88px;z-index:2147482001;display:flex;flex-direction:column;width:380px;max-width:calc(100vw - 40px);height:600px;max-height:calc(100vh - 108px);max-height:calc(100dvh - 108px);background:var(--cc-bg);color:var(--cc-text);border-radius:14px;box-shadow:0 10px 40px rgba(0,0,0,.35);overflow:hidden;border:1px solid #8a94a3}",
      ".header{display:flex;align-items:center;gap:6px;padding:10px 8px 10px 16px;background:var(--cc-primary);color:var(--cc-on-primary)}",
      ".titles{flex:1;min-width:0}",
      ".title{margin:0;font-size:16px;line-height:1.25;font-weight:700;overflow-wrap:anywhere}",
      ".subtitle{margin:1px 0 0;font-size:13px;line-height:1.3}",
      ".hbtn{display:inline-flex;align-items:center;justify-content:center;min-width:44px;min-height:44px;padding:0 10px;border:1px solid transparent;border-radius:8px;background:transparent;color:var(--cc-on-primary);cursor:pointer;font-size:14px;font-weight:600;white-space:nowrap}",
      ".hbtn:hover{border-color:currentColor}",
      ".hbtn:focus-visible{outline:3px solid var(--cc-on-primary);outline-offset:-3px}",
      ".embar{margin:0;padding:6px 16px;font-size:14px;background:#fff4f4;color:#5c0011;border-bottom:1px solid #e3c4c8}",
      ".embar a{color:#8a0016;font-weight:700}",
      ".log{position:relative;flex:1;overflow-y:auto;overscroll-behavior:contain;padding:14px 12px 8px;display:flex;flex-direction:column;gap:8px}",
      ".msg{max-width:88%;padding:9px 13px;border-radius:14px;overflow-wrap:anywhere;white-space:pre-wrap;margin:0}",
      ".bot{align-self:flex-start;background:var(--cc-bot);color:var(--cc-bot-text);border-bottom-left-radius:4px}",
      ".bot a{color:var(--cc-link);text-decoration:underline}",
      ".patient{align-self:flex-end;background:var(--cc-primary);color:var(--cc-on-primary);border-bottom-right-radius:4px}",
      ".badge{display:block;font-weight:800;text-transform:uppercase;letter-spacing:.04em;font-size:13px;margin-bottom:2px}",
      ".kind-emergency{background:var(--cc-em);color:var(--cc-on-em);border:3px solid #1b1b1b;font-weight:600;max-width:96%}",
      ".kind-crisis{background:var(--cc-crisis);color:var(--cc-on-crisis);border:3px solid #1b1b1b;font-weight:600;max-width:96%}",
      ".kind-urgent_check{background:var(--cc-urgent);color:var(--cc-on-urgent);border:3px solid #1b1b1b;font-weight:600;max-width:96%}",
      ".kind-emergency a,.kind-crisis a,.kind-urgent_check a{color:inherit}",
      ".kind-urgent_check .call{background:var(--cc-on-urgent);color:var(--cc-urgent)!important;border-color:var(--cc-on-urgent);font-size:18px;padding:10px 18px}",
      ".quick.urgent .chip{border:3px solid #1b1b1b;color:#1b1b1b;font-weight:700}",
      ".kind-callback_confirmed{border:3px solid var(--cc-primary,#0b5394);font-weight:600}",
      ".kind-error,.local-error{background:#fff6e0;color:#3d2a00;border:2px solid #8a5a00}",
      ".kind-error a,.local-error a{color:#3d2a00}",
      ".actions{display:flex;flex-wrap:wrap;gap:8px;margin-top:8px;white-space:normal}",
      ".call,.booklink{display:inline-flex;align-items:center;gap:6px;min-height:44px;padding:8px 14px;border-radius:22px;font-weight:700;text-decoration:none!important;background:#ffffff;color:#0b3d6e!important;border:2px solid #0b3d6e}",
      ".call svg{width:18px;height:18px}",
      ".kind-emergency .call{background:#ffffff;color:#8a0016!important;border-color:#ffffff;font-size:18px;padding:10px 18px}",
      ".kind-crisis .call{background:#ffffff;color:#3b0f70!important;border-color:#ffffff;font-size:17px}",
      ".retry{min-height:44px;padding:8px 16px;border-radius:22px;border:2px solid #3d2a00;background:#3d2a00;color:#ffffff;font-weight:700;cursor:pointer}",
      ".quick{display:flex;flex-wrap:wrap;gap:8px;padding:2px 0 4px;margin:0;list-style:none}",
      ".quick li{display:contents}",
      ".chip{min-height:44px;padding:8px 14px;border-radius:22px;border:2px solid var(--cc-chip);background:var(--cc-bg);color:var(--cc-chip);font-weight:600;cursor:pointer;text-align:left}",
      ".chip:hover{background:var(--cc-bot)}",
      ".chip:disabled{opacity:.6;cursor:default}",
      ".note{display:block;font-size:13px;font-style:italic}",
      ".feedback{display:flex;flex-wrap:wrap;align-items:center;gap:6px;margin-top:8px;white-space:normal;font-size:14px}",
      ".fb{min-height:44px;min-width:44px;padding:6px 14px;border-radius:22px;border:2px solid var(--cc-chip);background:var(--cc-bg);color:var(--cc-chip);font-size:14px;font-weight:600;cursor:pointer}",
      ".fb[aria-pressed=true]{background:var(--cc-chip);color:var(--cc-bg)}",
      ".fb:disabled{opacity:.6;cursor:default}",
      ".fb-q{flex-basis:100%}",
      ".fb-note{flex-basis:100%;font-size:13px}",
      ".fb-note:empty{display:none}",
      ".typing{align-self:flex-start;display:flex;gap:5px;padding:14px 16px}",
      ".typing i{width:8px;height:8px;border-radius:50%;background:var(--cc-bot-text);opacity:.35;animation:cc-blink 1.2s infinite ease-in-out}",
      ".typing i:nth-child(2){animation-delay:.2s}.typing i:nth-child(3){animation-delay:.4s}",
      "@keyframes cc-blink{0%,80%,100%{opacity:.25}40%{opacity:1}}",
      "@media (prefers-reduced-motion:reduce){.typing i{animation:none;opacity:.7}}",
      ".form{display:flex;gap:8px;align-items:center;padding:10px 12px;border-top:1px solid #c4cad3;background:var(--cc-bg)}",
      ".input{flex:1;min-width:0;min-height:48px;padding:10px 14px;border:2px solid #5f6b7a;border-radius:24px;background:#ffffff;color:#1b1f24;font-size:16px}",
      ".input::placeholder{color:#5f6b7a}",
      ".input:focus-visible{outline:3px solid #1a73e8;outline-offset:1px}",
      ".send{display:inline-flex;align-items:center;justify-content:center;width:48px;height:48px;border-radius:50%;border:0;background:var(--cc-primary);color:var(--cc-on-primary);cursor:pointer;flex:none}",
      ".foot{margin:0;padding:0 12px 8px;font-size:12px;color:var(--cc-text);background:var(--cc-bg)}",
      /* mobile: full screen below 480 px; the height follows the visual viewport (on-screen keyboard) */
      "@media (max-width:479.98px){",
      ".panel{left:0;right:0;top:0;bottom:auto;width:100%;max-width:none;height:100vh;height:100dvh;max-height:none;border-radius:0;border:0}",
      ".root.open .launcher{display:none}",
      ".launcher{" + side + ":12px;bottom:12px;padding:12px 18px}",
      ".msg{max-width:92%}",
      "}"
    ].join("\n");
  }

  /* ------------------------------------------------------------------ the widget */

  function ClinicChatWidget(cfg) {
    this.cfg = cfg;
    this.store = makeStore("clinicChat:" + cfg.serverUrl);
    this.state = this.store.load() || freshState();
    this.busy = false;
    this.queue = []; // typed while a reply was pending: {text, entry}, sent in order (docs/widget.md)
    this.errorNode = null;
    this.mobileQuery = window.matchMedia ? window.matchMedia("(max-width: 479.98px)") : null;
    this.build();
    this.renderAll();
    if (this.state.open) this.open({ focus: false });
  }

  var P = ClinicChatWidget.prototype;

  P.build = function () {
    var self = this, cfg = this.cfg;
    this.host = el("div", { "class": "clinic-chat-host", "data-clinic-chat": VERSION });
    var root = this.host.attachShadow ? this.host.attachShadow({ mode: "open" }) : this.host;
    this.shadow = root;
    var sheet = css(cfg);
    var usedConstructed = false;
    try {
      // Constructed stylesheets are not blocked by a Content-Security-Policy without 'unsafe-inline'.
      if (root !== this.host && "adoptedStyleSheets" in root && typeof CSSStyleSheet === "function") {
        var s = new CSSStyleSheet();
        s.replaceSync(sheet);
        root.adoptedStyleSheets = [s];
        usedConstructed = true;
      }
    } catch (e) { usedConstructed = false; }
    if (!usedConstructed) root.appendChild(el("style", { text: sheet }));

    var name = cfg.clinicName;
    this.launcher = el("button", {
      "class": "launcher", type: "button", "aria-haspopup": "dialog", "aria-expanded": "false",
      "aria-controls": "cc-panel",
      onclick: function () { self.toggle(); }
    }, [icon(ICON_CHAT), el("span", { text: cfg.launcherLabel })]);

    this.restartBtn = el("button", {
      "class": "hbtn restart", type: "button", "aria-label": "Start over: clear this conversation",
      text: "Start over", onclick: function () { self.startOver(); }
    });
    this.closeBtn = el("button", {
      "class": "hbtn close", type: "button", "aria-label": "Close chat",
      onclick: function () { self.close(); }
    }, [icon(ICON_CLOSE)]);

    var em = cfg.emergencyNumber;
    this.log = el("div", {
      "class": "log", id: "cc-log", role: "log", "aria-live": "off", "aria-label": "Conversation",
      tabindex: "0"
    });
    this.typing = el("div", { "class": "msg bot typing", hidden: true }, [
      el("span", { "class": "sr", text: "The assistant is typing" }), el("i"), el("i"), el("i")
    ]);
    this.input = el("input", {
      "class": "input", id: "cc-input", type: "text", autocomplete: "off", enterkeyhint: "send",
      placeholder: "Ask a question", "aria-describedby": "cc-foot"
    });
    this.sendBtn = el("button", { "class": "send", type: "submit", "aria-label": "Send message" }, [icon(ICON_SEND)]);
    this.form = el("form", {
      "class": "form", novalidate: "novalidate",
      onsubmit: function (ev) { ev.preventDefault(); self.sendTyped(); }
    }, [this.inputLabel = el("label", { "class": "sr", "for": "cc-input", id: "cc-input-label", text: DEFAULT_LABEL }),
      this.input, this.sendBtn]);

    // Live regions: bot messages are announced here (polite); emergency, crisis and errors assertively.
    this.announcer = el("div", { "class": "sr", role: "status", "aria-live": "polite", "aria-atomic": "true" });
    this.alerter = el("div", { "class": "sr", role: "alert", "aria-live": "assertive", "aria-atomic": "true" });

    this.panel = el("section", {
      "class": "panel", id: "cc-panel", role: "dialog", "aria-modal": "false",
      "aria-labelledby": "cc-title", "aria-describedby": "cc-sub", hidden: true,
      onkeydown: function (ev) { self.onKeydown(ev); }
    }, [
      el("div", { "class": "header" }, [
        el("div", { "class": "titles" }, [
          el("h2", { "class": "title", id: "cc-title", text: name + " assistant" }),
          el("p", { "class": "subtitle", id: "cc-sub", text: "Information only, not medical advice" })
        ]),
        this.restartBtn, this.closeBtn
      ]),
      el("p", { "class": "embar" }, [
        "Emergency? ",
        el("a", { href: "tel:" + em, text: "Call " + em }),
        " now."
      ]),
      this.log,
      this.form,
      el("p", { "class": "foot", id: "cc-foot", text: "This conversation is kept in this browser tab only and cleared when you close the tab." }),
      this.announcer, this.alerter
    ]);

    this.root = el("aside", { "class": "root", "aria-label": name + " chat" }, [this.panel, this.launcher]);
    root.appendChild(this.root);

    var mount = function () { document.body.appendChild(self.host); };
    if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);

    // Keep the input above the on-screen keyboard: size the full-screen panel to the visual viewport.
    var vv = window.visualViewport;
    var fit = function () { self.fitViewport(); };
    if (vv) { vv.addEventListener("resize", fit); vv.addEventListener("scroll", fit); }
    window.addEventListener("resize", fit);
    if (this.mobileQuery && this.mobileQuery.addEventListener) this.mobileQuery.addEventListener("change", fit);
  };

  P.isFullScreen = function () {
    return !!(this.mobileQuery && this.mobileQuery.matches);
  };

  P.fitViewport = function () {
    var p = this.panel, vv = window.visualViewport;
    var full = this.isFullScreen() && !p.hidden;
    p.setAttribute("aria-modal", full ? "true" : "false");
    if (full && vv) {
      p.style.height = Math.round(vv.height) + "px";
      p.style.top = Math.round(vv.offsetTop) + "px";
    } else {
      p.style.height = "";
      p.style.top = "";
    }
    // The page behind a full-screen chat does not scroll.
    var html = document.documentElement;
    if (full) {
      if (this.savedOverflow === undefined) this.savedOverflow = html.style.overflow;
      html.style.overflow = "hidden";
    } else if (this.savedOverflow !== undefined) {
      html.style.overflow = this.savedOverflow;
      this.savedOverflow = undefined;
    }
    if (full) this.scrollToEnd();
  };

  /* ---- open / close / keyboard */

  P.open = function (opts) {
    opts = opts || {};
    var wasHidden = this.panel.hidden;
    this.panel.hidden = false;
    this.root.classList.add("open");
    this.launcher.setAttribute("aria-expanded", "true");
    if (!this.state.open) { this.state.open = true; this.save(); }
    this.fitViewport();
    this.scrollToEnd();
    if (opts.focus !== false) this.input.focus();
    if (wasHidden && !this.state.greeted && !this.busy) this.greet();
  };

  P.close = function () {
    if (this.panel.hidden) return;
    this.panel.hidden = true;
    this.root.classList.remove("open");
    this.launcher.setAttribute("aria-expanded", "false");
    this.state.open = false;
    this.save();
    this.fitViewport();
    this.launcher.focus();
  };

  P.toggle = function () {
    if (this.panel.hidden) this.open(); else this.close();
  };

  P.focusables = function () {
    var list = this.panel.querySelectorAll("button:not([disabled]), a[href], input, [tabindex='0']");
    return Array.prototype.filter.call(list, function (n) { return n.offsetParent !== null || n === document.activeElement; });
  };

  P.onKeydown = function (ev) {
    if (ev.key === "Escape" || ev.key === "Esc") {
      ev.preventDefault();
      ev.stopPropagation();
      this.close();
      return;
    }
    // Full screen (mobile) the chat is modal: Tab cycles inside it.
    if (ev.key === "Tab" && this.isFullScreen()) {
      var f = this.focusables();
      if (!f.length) return;
      var active = this.shadow.activeElement;
      if (ev.shiftKey && active === f[0]) { ev.preventDefault(); f[f.length - 1].focus(); }
      else if (!ev.shiftKey && active === f[f.length - 1]) { ev.preventDefault(); f[0].focus(); }
    }
  };

  /* ---- transcript */

  P.save = function () {
    if (this.state.entries.length > MAX_ENTRIES) this.state.entries = this.state.entries.slice(-MAX_ENTRIES);
    this.store.save(this.state);
  };

  P.scrollToEnd = function () {
    var log = this.log;
    log.scrollTop = log.scrollHeight;
  };

  // Shows a new reply from its first message: the end if it all fits, else its start (a long answer or
  // the greeting's list of topics must not push the first sentence, e.g. the disclaimer, out of view).
  P.reveal = function (first) {
    var log = this.log;
    var top = first ? first.offsetTop - 12 : log.scrollHeight;
    log.scrollTop = Math.min(top, log.scrollHeight - log.clientHeight);
  };

  P.renderAll = function () {
    while (this.log.firstChild) this.log.removeChild(this.log.firstChild);
    this.errorNode = null;
    var self = this;
    this.state.entries.forEach(function (e, i) { self.log.appendChild(self.renderEntry(e, self.state.entries[i - 1])); });
    this.log.appendChild(this.typing);
    this.renderQuickReplies();
    this.applyInputMode();
    this.scrollToEnd();
  };

  // While the call-back form asks for a phone number (or a name), the message box says so: its label,
  // keyboard (type/inputmode tel) and autofill change, and go back once the question is answered.
  P.applyInputMode = function () {
    var last = this.state.entries[this.state.entries.length - 1];
    var mode = last && last.who === "bot" && last.input ? INPUT_MODES[last.input] : null;
    var input = this.input;
    input.type = mode ? mode.type : "text";
    input.setAttribute("inputmode", mode ? mode.inputmode : "text");
    input.setAttribute("autocomplete", mode ? mode.autocomplete : "off");
    input.placeholder = mode ? mode.placeholder : "Ask a question";
    this.inputLabel.textContent = mode ? last.label : DEFAULT_LABEL;
    return mode ? last.label : null;
  };

  P.push = function (entry) {
    var prev = this.state.entries[this.state.entries.length - 1];
    this.state.entries.push(entry);
    this.save();
    this.log.insertBefore(this.renderEntry(entry, prev), this.typing);
    this.renderQuickReplies();
    this.scrollToEnd();
  };

  P.removeEntry = function (entry) {
    var i = this.state.entries.indexOf(entry);
    if (i >= 0) this.state.entries.splice(i, 1);
    if (entry._node && entry._node.parentNode) entry._node.parentNode.removeChild(entry._node);
    this.save();
    this.renderQuickReplies();
  };

  // The bot's buttons are offered as quick replies while they belong to the last message.
  P.renderQuickReplies = function () {
    var self = this;
    if (this.quick && this.quick.parentNode) this.quick.parentNode.removeChild(this.quick);
    this.quick = null;
    var last = this.state.entries[this.state.entries.length - 1];
    if (!last || last.who !== "bot" || !last.buttons || !last.buttons.length) return;
    var urgent = last.kind === "urgent_check";
    var answer = urgent || last.kind === "callback";
    this.quick = el("ul", {
      "class": urgent ? "quick urgent" : "quick", "aria-label": answer ? "Your answer" : "Suggested questions"
    }, last.buttons.map(function (b) {
      return el("li", {}, [el("button", {
        "class": "chip", type: "button", text: b.title, disabled: self.busy,
        onclick: function () { self.request(b.payload, { display: b.title }); self.input.focus(); }
      })]);
    }));
    this.log.insertBefore(this.quick, this.typing);
  };

  // Bot text as DOM text nodes, with http(s) URLs, tel: links and the clinic's phone number as links.
  P.linkify = function (parent, text) {
    var parts = ["https?:\\/\\/[^\\s<>\"']+", "tel:\\+?[0-9][0-9-]*[0-9]"];
    if (this.cfg.clinicPhone && this.cfg.clinicPhoneTel) parts.push(escapeRegExp(this.cfg.clinicPhone));
    var re = new RegExp(parts.join("|"), "gi");
    var pos = 0, m;
    while ((m = re.exec(text)) !== null) {
      var raw = m[0], href = null, target = false;
      if (/^https?:/i.test(raw)) {
        raw = raw.replace(/[.,;:!?)\]]+$/, ""); // trailing punctuation is the sentence's, not the URL's
        href = safeHttpUrl(raw);
        target = true;
      } else if (/^tel:/i.test(raw)) {
        href = "tel:" + telDigits(raw.slice(4));
      } else {
        href = "tel:" + this.cfg.clinicPhoneTel;
      }
      if (!raw) { re.lastIndex = m.index + 1; continue; }
      if (m.index > pos) parent.appendChild(document.createTextNode(text.slice(pos, m.index)));
      if (href) {
        var a = el("a", { href: href, text: raw });
        if (target) { a.target = "_blank"; a.rel = "noopener noreferrer"; }
        parent.appendChild(a);
      } else {
        parent.appendChild(document.createTextNode(raw));
      }
      pos = m.index + raw.length;
      re.lastIndex = pos;
    }
    if (pos < text.length) parent.appendChild(document.createTextNode(text.slice(pos)));
  };

  function callLink(call, cls) {
    return el("a", { "class": cls || "call", href: "tel:" + call.tel }, [icon(ICON_PHONE), el("span", { text: call.label })]);
  }

  P.renderEntry = function (e, prev) {
    var node;
    if (e.who === "patient") {
      node = el("p", { "class": "msg patient", "data-who": "patient" }, [
        el("span", { "class": "sr", text: "You said: " }), e.text
      ]);
    } else {
      node = el("div", { "class": "msg bot kind-" + e.kind + (e.local ? " local-disclaimer" : ""), "data-who": "bot", "data-kind": e.kind });
      node.appendChild(el("span", { "class": "sr", text: "Assistant said: " }));
      var first = !prev || prev.who !== "bot" || prev.kind !== e.kind;
      if (e.kind === "emergency" && first) node.appendChild(el("strong", { "class": "badge", text: "Emergency" }));
      if (e.kind === "crisis" && first) node.appendChild(el("strong", { "class": "badge", text: "Get support now" }));
      if (e.kind === "callback_confirmed" && first) node.appendChild(el("strong", { "class": "badge", text: "Call-back requested" }));
      if (e.kind === "urgent_check" && first) {
        node.appendChild(el("strong", { "class": "badge", text: "Urgent check" }));
      }
      var body = el("span", { "class": "text" });
      this.linkify(body, e.text || "");
      node.appendChild(body);
      if (e.call || e.crisisCall || e.booking) {
        var actions = el("div", { "class": "actions" });
        if (e.crisisCall) actions.appendChild(callLink(e.crisisCall));
        if (e.call) actions.appendChild(callLink(e.call));
        if (e.booking) {
          actions.appendChild(el("a", {
            "class": "booklink", href: e.booking, target: "_blank", rel: "noopener noreferrer", text: "Book online"
          }));
        }
        node.appendChild(actions);
      }
      if (e.rate && typeof e.turn === "number") node.appendChild(this.feedbackGroup(e));
    }
    Object.defineProperty(e, "_node", { value: node, enumerable: false, configurable: true, writable: true });
    return node;
  };

  /* ---- feedback on an answer ("Helpful" / "Not helpful") */

  // Marks the last message of a reply as rated when the reply is an answer and nothing in it is a safety
  // reply; every message remembers which reply it belongs to.
  function markRated(msgs, turn) {
    var kinds = msgs.map(function (m) { return m.kind; });
    msgs.forEach(function (m) { m.turn = turn; });
    var safety = kinds.some(function (k) { return SAFETY_KINDS.indexOf(k) >= 0; });
    var answer = kinds.some(function (k) { return RATED_KINDS.indexOf(k) >= 0; });
    // The greeting ends with the topics menu (an `answer`), but it answers no question.
    var greeting = kinds.indexOf("disclaimer") >= 0;
    if (safety || greeting || !answer) return;
    var last = msgs[msgs.length - 1];
    last.rate = true;
    var withTopic = msgs.filter(function (m) { return m.topic; })[0];
    if (withTopic) last.rateTopic = withTopic.topic;
  }

  P.feedbackGroup = function (e) {
    var self = this;
    var note = el("span", { "class": "fb-note", text: typeof e.rated === "boolean" ? THANKS : "" });
    var group = el("div", { "class": "feedback", role: "group", "aria-label": "Was this answer helpful?" });
    var button = function (helpful, label) {
      return el("button", {
        "class": "fb", type: "button", "data-helpful": helpful ? "true" : "false",
        "aria-pressed": e.rated === helpful ? "true" : "false", disabled: self.busy, text: label,
        onclick: function () { self.sendFeedback(e, helpful, group); }
      });
    };
    group.appendChild(el("span", { "class": "fb-q", "aria-hidden": "true", text: "Was this helpful?" }));
    group.appendChild(button(true, "Helpful"));
    group.appendChild(button(false, "Not helpful"));
    group.appendChild(note);
    return group;
  };

  // Sends the rating. No text leaves the page: the conversation id, the choice, how many replies back
  // the answer is, and its topic id (the server refuses the rating if that answer is about another topic).
  P.sendFeedback = function (e, helpful, group) {
    var self = this, cfg = this.cfg;
    if (this.busy || typeof e.turn !== "number") return;
    var body = { sender: this.state.sender, helpful: helpful, turns_back: Math.max(0, (this.state.turns || 0) - e.turn) };
    if (e.rateTopic) body.topic = e.rateTopic;
    var sender = this.state.sender;
    var note = group.querySelector(".fb-note");
    var ctrl = typeof AbortController === "function" ? new AbortController() : null;
    var timer = setTimeout(function () { if (ctrl) ctrl.abort(); }, cfg.timeoutMs);
    fetch(cfg.serverUrl + cfg.feedbackPath, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
      signal: ctrl ? ctrl.signal : undefined
    }).then(function (r) {
      if (!r.ok) throw new Error("feedback " + r.status);
    }).then(function () {
      clearTimeout(timer);
      if (sender !== self.state.sender) return; // "start over" meanwhile
      e.rated = helpful;
      self.save();
      Array.prototype.forEach.call(group.querySelectorAll(".fb"), function (b) {
        b.setAttribute("aria-pressed", (b.getAttribute("data-helpful") === "true") === helpful ? "true" : "false");
      });
      note.textContent = THANKS;
      self.announce([THANKS], false);
    }, function () {
      clearTimeout(timer);
      if (sender !== self.state.sender) return;
      var sorry = "Sorry, your feedback could not be sent. Please try again later.";
      note.textContent = sorry;
      self.announce([sorry], false);
    });
  };

  P.announce = function (texts, urgent) {
    var region = urgent ? this.alerter : this.announcer;
    var msg = texts.filter(Boolean).join(" ");
    region.textContent = "";
    // A fresh text node on the next frame, so screen readers announce a repeat of the same text too.
    setTimeout(function () { region.textContent = msg; }, 60);
  };

  /* ---- talking to the assistant */

  P.post = function (message) {
    var cfg = this.cfg, ctrl = typeof AbortController === "function" ? new AbortController() : null;
    var timedOut = false;
    var timer = setTimeout(function () { timedOut = true; if (ctrl) ctrl.abort(); }, cfg.timeoutMs);
    var fail = function (kind, status) { var e = new Error(kind); e.kind = kind; e.status = status; return e; };
    var request = fetch(cfg.serverUrl + cfg.webhookPath, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ sender: this.state.sender, message: message }),
      credentials: "omit",
      cache: "no-store",
      signal: ctrl ? ctrl.signal : undefined
    }).then(function (r) {
      if (!r.ok) throw fail("http", r.status);
      return r.json().catch(function () { throw fail("http", r.status); });
    }).then(function (data) {
      if (!Array.isArray(data)) throw fail("http", 200);
      var msgs = data.filter(function (m) { return m && typeof m === "object"; }).map(botEntry).filter(function (e) {
        return e.text || (e.buttons && e.buttons.length) || e.call;
      });
      if (!msgs.length) throw fail("empty", 200);
      return dedupeActions(msgs);
    }, function (err) {
      if (err && err.kind) throw err;
      throw fail(timedOut ? "timeout" : "network");
    });
    // Without AbortController the timeout still wins the race.
    var timeout = new Promise(function (_, reject) {
      setTimeout(function () { reject(fail("timeout")); }, cfg.timeoutMs + 50);
    });
    return Promise.race([request, timeout]).then(function (v) { clearTimeout(timer); return v; },
      function (e) { clearTimeout(timer); throw e; });
  };

  P.setBusy = function (busy) {
    this.busy = busy;
    this.typing.hidden = !busy;
    this.log.setAttribute("aria-busy", busy ? "true" : "false");
    var chips = this.quick ? this.quick.querySelectorAll("button") : [];
    Array.prototype.forEach.call(chips, function (b) { b.disabled = busy; });
    // A rating names its answer by counting replies back: not while a reply is on its way.
    Array.prototype.forEach.call(this.log.querySelectorAll(".fb"), function (b) { b.disabled = busy; });
    if (busy) this.scrollToEnd();
  };

  P.clearError = function () {
    if (this.errorNode && this.errorNode.parentNode) this.errorNode.parentNode.removeChild(this.errorNode);
    this.errorNode = null;
  };

  P.sendTyped = function () {
    var text = this.input.value.trim();
    if (!text) return;
    if (this.busy) this.enqueue(text); else this.request(text, { typed: true });
  };

  // A message typed while a reply is pending waits, visibly, below the typing indicator: a patient who
  // presses Enter at once (e.g. while the greeting loads) must never be ignored.
  P.enqueue = function (text) {
    var entry = { who: "patient", text: text.slice(0, MAX_TEXT) };
    var node = this.renderEntry(entry, null);
    node.classList.add("pending");
    node.appendChild(el("span", { "class": "note", text: "Sending\u2026" }));
    this.queue.push({ text: text, entry: entry });
    this.log.appendChild(node);
    this.input.value = "";
    this.scrollToEnd();
    this.announce(["Sending your message as soon as the assistant has answered."], false);
  };

  // The next queued message leaves its "sending" state and goes out, in its place in the transcript.
  P.sendNext = function () {
    var next = this.queue.shift();
    if (next) this.request(next.text, { typed: true, queued: next.entry });
  };

  // A failed request: every message not yet sent goes back into the input, in order, so none is lost.
  P.takeBackQueue = function (failed) {
    var texts = failed ? [failed] : [];
    this.queue.forEach(function (q) {
      texts.push(q.text);
      if (q.entry._node && q.entry._node.parentNode) q.entry._node.parentNode.removeChild(q.entry._node);
    });
    var had = this.queue.length > 0;
    this.queue = [];
    if (this.input.value.trim()) texts.push(this.input.value.trim());
    if (texts.length) this.input.value = texts.join(" ");
    return had;
  };

  // Sends `payload`. opts.display: the patient bubble's text (a button's title); opts.silent: no bubble
  // (the greeting); opts.typed: the text came from the input (it goes back there on failure).
  P.request = function (payload, opts) {
    var self = this;
    opts = opts || {};
    if (this.busy) return;
    this.clearError();
    var entry = null;
    if (opts.queued) {
      entry = opts.queued;
      var node = entry._node, note = node.querySelector(".note");
      if (note) node.removeChild(note);
      node.classList.remove("pending");
      this.state.entries.push(entry);
      this.log.insertBefore(node, this.typing);
      this.save();
      this.renderQuickReplies();
    } else if (!opts.silent) {
      entry = { who: "patient", text: String(opts.display || payload).slice(0, MAX_TEXT) };
      this.push(entry);
    }
    if (opts.typed) this.input.value = "";
    this.setBusy(true);
    var sender = this.state.sender;
    this.post(payload).then(function (msgs) {
      if (sender !== self.state.sender) return; // "start over" meanwhile
      self.setBusy(false);
      if (payload === self.cfg.greetPayload) {
        self.state.entries.filter(function (e) { return e.local; }).forEach(function (e) { self.removeEntry(e); });
      }
      self.state.greeted = true; // the assistant answered: no greeting needed any more
      self.state.turns = (self.state.turns || 0) + 1;
      markRated(msgs, self.state.turns);
      msgs.forEach(function (m) {
        var prev = self.state.entries[self.state.entries.length - 1];
        self.state.entries.push(m);
        self.log.insertBefore(self.renderEntry(m, prev), self.typing);
      });
      self.save();
      self.renderQuickReplies();
      self.reveal(msgs[0]._node);
      var urgent = msgs.some(function (m) {
        return m.kind === "emergency" || m.kind === "crisis" || m.kind === "urgent_check";
      });
      var said = msgs.map(function (m) { return m.text; });
      var lastMsg = msgs[msgs.length - 1];
      if ((lastMsg.kind === "urgent_check" || lastMsg.kind === "callback") && lastMsg.buttons) {
        var choices = lastMsg.buttons.map(function (b) { return b.title; });
        said.push("Answer with a button: " + choices.join(", ") + ".");
      }
      var field = self.applyInputMode();
      if (field) said.push("Type it in the message box, labelled: " + field + ".");
      self.announce(said, urgent);
      self.sendNext();
    }, function (err) {
      if (sender !== self.state.sender) return;
      self.setBusy(false);
      if (entry) self.removeEntry(entry);
      var hadQueued = self.takeBackQueue(opts.typed ? payload : ""); // the patient's text is kept
      self.showError(err, function () {
        if (opts.typed) {
          var now = self.input.value.trim();
          self.request(now || payload, { typed: true });
        } else {
          self.request(payload, { silent: opts.silent, display: opts.display });
          if (hadQueued) self.sendTyped(); // the texts typed behind it follow it
        }
      }, !!entry || hadQueued);
    });
  };

  // The disclaimer comes from the assistant (its greeting); the patient does not see the payload.
  P.greet = function () {
    this.request(this.cfg.greetPayload, { silent: true });
  };

  // The built-in disclaimer, shown when the assistant cannot be reached for the greeting. It is kept
  // in the transcript (the patient saw it) until the assistant's own greeting replaces it.
  P.showLocalDisclaimer = function () {
    if (this.state.entries.some(function (e) { return e.local; })) return;
    var em = this.cfg.emergencyNumber;
    this.push({
      who: "bot", kind: "disclaimer", local: true, call: { label: "Call " + em, tel: em },
      text: "Hi! I'm " + this.cfg.clinicName + "'s assistant. I give information only, not medical advice. " +
        "I can't help in an emergency: if you think you might be having one, call " + em + " now."
    });
  };

  P.showError = function (err, retry, hadMessage) {
    var self = this, cfg = this.cfg;
    if (!this.state.greeted) this.showLocalDisclaimer();
    var lead = err && err.kind === "timeout"
      ? "The assistant is taking too long to answer."
      : err && (err.kind === "http" || err.kind === "empty")
        ? "Sorry, something went wrong on our side."
        : "Sorry, I can't reach the assistant right now.";
    var what = hadMessage ? " Your message was not sent: it is still in the box below, so you can try again." : " Please try again.";
    var phone = cfg.clinicPhone
      ? " You can also call " + cfg.clinicName + " at " + cfg.clinicPhone + "."
      : "";
    var em = cfg.emergencyNumber;
    var actions = el("div", { "class": "actions" });
    var retryBtn = el("button", {
      "class": "retry", type: "button", text: "Try again",
      onclick: function () { self.clearError(); retry(); if (!self.panel.hidden) self.input.focus(); }
    });
    actions.appendChild(retryBtn);
    if (cfg.clinicPhoneTel) actions.appendChild(callLink({ label: "Call " + (cfg.clinicPhone || cfg.clinicPhoneTel), tel: cfg.clinicPhoneTel }));
    this.errorNode = el("div", { "class": "msg bot local-error", role: "group", "aria-label": "Error", "data-kind": "local-error" }, [
      el("span", { "class": "sr", text: "Assistant said: " }),
      el("span", { "class": "text", text: lead + what + phone + " In an emergency, call " + em + "." }),
      actions
    ]);
    this.log.insertBefore(this.errorNode, this.typing);
    this.scrollToEnd();
    this.announce([lead + what + phone], true);
  };

  P.startOver = function () {
    this.store.clear();
    var wasOpen = !this.panel.hidden;
    this.state = freshState();
    this.state.open = wasOpen;
    this.queue = [];
    this.setBusy(false);
    this.input.value = "";
    this.renderAll();
    this.save();
    this.announce(["The conversation was cleared."], false);
    if (wasOpen) { this.input.focus(); this.greet(); }
  };

  /* ------------------------------------------------------------------ start */

  var widget = null;
  function start() {
    if (widget) return widget;
    widget = new ClinicChatWidget(readConfig());
    return widget;
  }

  window.ClinicChat = {
    version: VERSION,
    open: function () { start().open(); },
    close: function () { start().close(); },
    toggle: function () { start().toggle(); },
    startOver: function () { start().startOver(); }
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
