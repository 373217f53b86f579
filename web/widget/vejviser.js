/*
 * Vejviser chat widget. One script tag (and, if wanted, a config object) puts a chat
 * launcher on any page:
 *
 *   <script>window.VejviserConfig = {municipality: "Din Kommune", color: "#005a8c"};</script>
 *   <script src="https://vejviser.example.dk/webhooks/widget/vejviser.js" defer></script>
 *
 * No framework and no build step. Everything the user or the bot writes reaches the page
 * as text nodes (never innerHTML), so typed HTML is shown as the characters it is.
 * The widget lives in a shadow root so the host page's CSS cannot break it.
 */
(function () {
  "use strict";

  // The server puts the Danish interface texts here when it serves this file.
  var TEXTS = /*VEJVISER_TEXTS*/{};
  var MAX_CHARS = 2000;
  var ACK_TIMEOUT_MS = 30000;
  var TYPING_TIMEOUT_MS = 20000;
  var DEFAULT_COLOR = "#005a8c";

  var script = document.currentScript;
  if (!script || window.__vejviserWidget) return;
  window.__vejviserWidget = true;

  var config = window.VejviserConfig || {};
  var assetBase = script.src.replace(/[^/]*$/, "");
  var serverUrl = (config.serverUrl || new URL(script.src).origin).replace(/\/$/, "");
  var texts = Object.assign({}, TEXTS, config.texts || {});
  // Per tab and gone when the tab closes: a shared library computer does not show the
  // next person someone else's conversation.
  var SESSION_KEY = "vejviser.session:" + serverUrl;
  var OPEN_KEY = "vejviser.open:" + serverUrl;

  var store = {
    get: function (key) {
      try { return window.sessionStorage.getItem(key); } catch (e) { return null; }
    },
    set: function (key, value) {
      try {
        if (value === null) window.sessionStorage.removeItem(key);
        else window.sessionStorage.setItem(key, value);
      } catch (e) { /* storage off: the conversation lasts as long as the page */ }
    }
  };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "hidden") node.hidden = Boolean(attrs[name]);
      else node.setAttribute(name, attrs[name]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function randomId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // --- colours: the configured colour, with text colours that keep WCAG AA contrast ---
  function luminance(hex) {
    var rgb = [1, 3, 5].map(function (i) {
      var c = parseInt(hex.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
  }
  function contrast(a, b) {
    var la = luminance(a), lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }
  function darken(hex) {
    return "#" + [1, 3, 5].map(function (i) {
      return ("0" + Math.floor(parseInt(hex.substr(i, 2), 16) * 0.9).toString(16)).slice(-2);
    }).join("");
  }
  var primary = /^#[0-9a-fA-F]{6}$/.test(config.color || "") ? config.color.toLowerCase() : DEFAULT_COLOR;
  // A colour too light for white text gets dark text, if that reads well enough;
  // otherwise it is darkened until white text on it reaches 4.5:1.
  var onPrimary = contrast(primary, "#ffffff") >= contrast(primary, "#1a1a1a") ? "#ffffff" : "#1a1a1a";
  while (contrast(primary, onPrimary) < 4.5) {
    onPrimary = "#ffffff";
    primary = darken(primary);
  }
  var primaryOnWhite = contrast(primary, "#ffffff") >= 4.5 ? primary : "#1a1a1a";

  // --- the parts of the widget ---
  var host = el("div", { id: "vejviser-widget", lang: "da" });
  host.style.setProperty("--vv-primary", primary);
  host.style.setProperty("--vv-on-primary", onPrimary);
  host.style.setProperty("--vv-primary-on-white", primaryOnWhite);
  var root = host.attachShadow({ mode: "open" });
  root.appendChild(el("link", { rel: "stylesheet", href: assetBase + "vejviser.css" }));

  var launcher = el("button", { type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": "vv-panel" }, texts.launcher);
  var title = texts.title + (config.municipality ? " · " + config.municipality : "");
  var panel = el("section", { id: "vv-panel", class: "panel", role: "dialog", "aria-labelledby": "vv-title", hidden: true });
  var header = el("header");
  header.appendChild(el("h2", { id: "vv-title" }, title));
  var closeButton = el("button", { type: "button", class: "close", "aria-label": texts.close }, "×");
  header.appendChild(closeButton);
  var status = el("p", { class: "status", hidden: true });
  var log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions", "aria-label": title, tabindex: "0" });
  var typing = el("p", { class: "typing", role: "status", hidden: true });
  var connection = el("p", { class: "connection", role: "status", hidden: true });
  var form = el("form", { class: "composer" });
  var input = el("textarea", { id: "vv-input", rows: "1", maxlength: String(MAX_CHARS), placeholder: texts.placeholder, autocomplete: "off" });
  var label = el("label", { for: "vv-input", class: "sr-only" }, texts.inputLabel);
  var sendButton = el("button", { type: "submit", class: "send" }, texts.send);
  form.appendChild(label);
  form.appendChild(input);
  form.appendChild(sendButton);
  [header, status, log, typing, connection, form].forEach(function (part) { panel.appendChild(part); });
  root.appendChild(launcher);
  root.appendChild(panel);

  // The first message says it is a bot, with a way to ask what happens to the data.
  var intro = el("div", { class: "msg bot intro" });
  intro.appendChild(el("span", { class: "sr-only" }, texts.fromBot + " "));
  intro.appendChild(el("p", {}, texts.intro));
  var privacy = el("button", { type: "button", class: "link" }, texts.privacyLink);
  privacy.addEventListener("click", function () { send("/ask_privacy", texts.privacyLink); input.focus(); });
  var privacyLine = el("p");
  privacyLine.appendChild(privacy);
  intro.appendChild(privacyLine);
  log.appendChild(intro);

  // --- bot text: paragraphs, "- " lists, **bold** and links, built as DOM nodes ---
  var INLINE = /\*\*([^*\n]+)\*\*|\[([^\]\n]+)\]\(((?:https?:\/\/|mailto:|tel:)[^\s)]+)\)|(https?:\/\/[^\s<>"]*[^\s<>".,:;!?)'])/g;

  function link(href, labelText) {
    var a = el("a", { href: href, target: "_blank", rel: "noopener noreferrer" }, labelText);
    a.appendChild(el("span", { class: "sr-only" }, " (" + texts.newWindow + ")"));
    return a;
  }

  function appendInline(parent, text) {
    var last = 0;
    var match;
    INLINE.lastIndex = 0;
    while ((match = INLINE.exec(text))) {
      if (match.index > last) parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      if (match[1] !== undefined) parent.appendChild(el("strong", {}, match[1]));
      else if (match[2] !== undefined) parent.appendChild(link(match[3], match[2]));
      else parent.appendChild(link(match[4], match[4]));
      last = INLINE.lastIndex;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function appendRich(container, text) {
    text.split(/\n{2,}/).forEach(function (block) {
      var list = null;
      var paragraph = null;
      block.split("\n").forEach(function (line) {
        var item = /^\s*(?:[-*•])\s+(.*)$/.exec(line);
        if (item) {
          if (!list) { list = el("ul"); container.appendChild(list); }
          paragraph = null;
          var li = el("li");
          appendInline(li, item[1]);
          list.appendChild(li);
        } else {
          list = null;
          if (!paragraph) { paragraph = el("p"); container.appendChild(paragraph); }
          else paragraph.appendChild(el("br"));
          appendInline(paragraph, line);
        }
      });
    });
  }

  // --- the conversation ---
  var shown = Object.create(null);
  var choices = null;
  var typingTimer = null;

  function scrollToEnd() { log.scrollTop = log.scrollHeight; }

  function clearChoices() {
    if (choices) { choices.remove(); choices = null; }
  }

  function showChoices(buttons) {
    clearChoices();
    if (!buttons || !buttons.length) return;
    choices = el("div", { class: "choices", role: "group", "aria-label": texts.choices });
    buttons.forEach(function (button) {
      var choice = el("button", { type: "button" }, button.title);
      choice.addEventListener("click", function () {
        send(button.payload, button.title);
        input.focus(); // the chosen button is gone; the keyboard user carries on typing
      });
      choices.appendChild(choice);
    });
    log.appendChild(choices);
  }

  function addMessage(message) {
    if (!message || !message.id || shown[message.id]) return false;
    shown[message.id] = true;
    var staff = message.from === "staff";
    var bubble = el("div", { class: "msg " + (message.from === "user" ? "user" : staff ? "bot staff" : "bot") });
    bubble.appendChild(el("span", { class: "sr-only" }, (message.from === "user" ? texts.fromUser : staff ? texts.fromStaff : texts.fromBot) + " "));
    // A person answers: their name above the text, so nobody takes it for the chatbot.
    if (staff) bubble.appendChild(el("p", { class: "who", "aria-hidden": "true" }, (message.name || "") + " " + texts.staffLabel));
    if (message.from === "user") {
      // Choices answer the bot's last question; once the user has answered, they go.
      clearChoices();
      bubble.appendChild(el("p", {}, message.text));
      log.appendChild(bubble);
    } else {
      appendRich(bubble, message.text || "");
      log.appendChild(bubble);
      if (message.buttons && message.buttons.length) showChoices(message.buttons);
    }
    scrollToEnd();
    return true;
  }

  function setTyping(on) {
    window.clearTimeout(typingTimer);
    typing.hidden = !on;
    typing.textContent = on ? texts.typing : "";
    if (on) typingTimer = window.setTimeout(function () { setTyping(false); }, TYPING_TIMEOUT_MS);
  }

  function setConnection(text) {
    connection.hidden = !text;
    connection.textContent = text || "";
  }

  // --- the socket: opened on first use, not for every visitor of the page ---
  var socket = null;
  var ready = false;
  // Messages not yet acknowledged by the server, oldest first. They are sent again after
  // a reconnect unless the replayed history shows them; the server takes each id once.
  var pending = [];
  var early = []; // live events that came before the history they follow

  function transmit(message) {
    if (!ready || message.inFlight) return;
    message.inFlight = true;
    socket.timeout(ACK_TIMEOUT_MS).emit("user_uttered", message.data, function (error, answer) {
      message.inFlight = false;
      if (!error && answer && answer.ok) {
        pending = pending.filter(function (m) { return m !== message; });
        // The turn is over: every answer came before this. None came while staff have
        // the chat (the bot is quiet), so nobody is typing.
        setTyping(false);
      }
    });
  }

  function flush() {
    pending.forEach(transmit);
  }

  function live(handler) {
    return function (data) {
      if (ready) handler(data);
      else early.push(function () { handler(data); });
    };
  }

  function connect() {
    if (socket) return;
    setConnection(texts.connecting);
    loadSocketClient(function (io) {
      if (!io) { setConnection(texts.offline); return; }
      socket = io(serverUrl, { path: "/socket.io", transports: ["websocket", "polling"], reconnectionDelayMax: 10000 });
      socket.on("connect", function () {
        socket.emit("session_request", { session: store.get(SESSION_KEY) });
      });
      socket.on("session_confirm", function (data) {
        store.set(SESSION_KEY, data.session);
        (data.history || []).forEach(addMessage);
        var replayed = Object.create(null);
        (data.history || []).forEach(function (m) { replayed[m.id] = true; });
        pending = pending.filter(function (m) { return !replayed["u-" + m.data.client_id]; });
        early.splice(0).forEach(function (apply) { apply(); });
        if (data.status && data.status.message) {
          status.textContent = data.status.message;
          status.hidden = false;
        }
        ready = true;
        setConnection("");
        flush();
      });
      socket.on("session_required", function () {
        ready = false;
        socket.emit("session_request", { session: store.get(SESSION_KEY) });
      });
      socket.on("bot_uttered", live(function (message) {
        setTyping(false);
        addMessage(message);
      }));
      socket.on("user_echo", live(addMessage));
      socket.on("disconnect", function () {
        ready = false;
        pending.forEach(function (m) { m.inFlight = false; });
        setConnection(texts.reconnecting);
      });
      socket.on("connect_error", function () {
        ready = false;
        setConnection(texts.reconnecting);
      });
    });
  }

  function loadSocketClient(done) {
    if (window.io && window.io.connect) { done(window.io); return; }
    var tag = document.createElement("script");
    tag.src = assetBase + "socket.io.min.js";
    tag.onload = function () { done(window.io); };
    tag.onerror = function () { done(null); };
    document.head.appendChild(tag);
  }

  function send(text, display) {
    text = (text || "").trim();
    if (!text) return;
    if (text.length > MAX_CHARS) { setConnection(texts.tooLong); return; }
    var clientId = randomId();
    addMessage({ id: "u-" + clientId, from: "user", text: display || text });
    var data = { message: text, client_id: clientId };
    if (display) data.display = display;
    pending.push({ data: data, inFlight: false });
    setTyping(true);
    connect();
    flush();
  }

  // --- opening, closing, typing ---
  function open() {
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    store.set(OPEN_KEY, "1");
    connect();
    input.focus();
  }

  function close() {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    store.set(OPEN_KEY, null);
    launcher.focus();
  }

  launcher.addEventListener("click", open);
  closeButton.addEventListener("click", close);
  // On a phone (or at big zoom) the panel covers the page: then it is modal, and Tab
  // stays inside it so focus never moves to the hidden page behind.
  var fullScreen = window.matchMedia("(max-width: 30rem), (max-height: 30rem)");
  function updateModal() { panel.setAttribute("aria-modal", fullScreen.matches ? "true" : "false"); }
  updateModal();
  if (fullScreen.addEventListener) fullScreen.addEventListener("change", updateModal);

  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { event.preventDefault(); close(); return; }
    if (event.key !== "Tab" || !fullScreen.matches) return;
    var focusable = Array.prototype.filter.call(
      panel.querySelectorAll("button, textarea, a[href], [tabindex='0']"),
      function (node) { return !node.disabled && node.offsetParent !== null; }
    );
    if (!focusable.length) return;
    var first = focusable[0], last = focusable[focusable.length - 1];
    var active = root.activeElement;
    if (event.shiftKey && active === first) { event.preventDefault(); last.focus(); }
    else if (!event.shiftKey && active === last) { event.preventDefault(); first.focus(); }
  });
  input.addEventListener("keydown", function (event) {
    // Enter sends; Shift+Enter makes a new line.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    input.value = "";
    send(text);
    input.focus();
  });

  function mount() {
    document.body.appendChild(host);
    // After a reload the conversation continues where it was, open if it was open.
    if (store.get(OPEN_KEY)) {
      panel.hidden = false;
      launcher.hidden = true;
      launcher.setAttribute("aria-expanded", "true");
      connect();
    }
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
