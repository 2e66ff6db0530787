// The touch page's logic: the daemon's screen state (docs/ui-api.md) decides what is shown; taps become events.
// Nothing here decides the flow: every screen change comes from a state the daemon sent, so the page can never show
// a step the daemon is not in (and never a stale "done" after a lost link).
"use strict";
(function () {
  const strings = window.KioskStrings;
  const SILENCE_MS = 20000; // the stream's heartbeat is at least every 15 s (docs/ui-api.md)
  const RETRY_MS = 1000;
  const COUNTDOWN_LEAD_S = 30;

  let language = "zh";
  let state = null; // the state on screen, null while the daemon is unreachable
  let stateReceivedAt = 0;
  let lastTransactionID = null;
  let shownScreen = null;
  let formIssues = [];
  let selectedGrade = null;
  let pendingTap = null;
  let keypadTarget = null;
  let noticeTimer = null;

  // Measurements for the benchmark (scripts/bench.sh reads them through WebDriver); times in ms.
  const metrics = { taps: [], screens: [], firstScreen: null };
  window.kioskMetrics = metrics;

  const byID = (id) => document.getElementById(id);
  const all = (selector, root) => Array.from((root || document).querySelectorAll(selector));

  function text(key, values) {
    let phrase = strings[language][key];
    if (phrase === undefined) phrase = strings.zh[key];
    if (phrase === undefined) return key;
    for (const name in values || {}) phrase = phrase.split("{" + name + "}").join(String(values[name]));
    return phrase;
  }
  const known = (key) => strings[language][key] !== undefined;
  const codeKey = (prefix, code) => prefix + String(code).replace(/[^A-Za-z0-9]/g, "_");

  function applyStrings() {
    document.documentElement.lang = language === "zh" ? "zh-CN" : "en";
    document.title = text("title");
    all("[data-s]").forEach((element) => { element.textContent = text(element.dataset.s); });
  }

  // MARK: events to the daemon

  async function send(event, fields) {
    const body = JSON.stringify(Object.assign({ event: event }, fields || {}));
    let response;
    try {
      response = await fetch("/ui/v1/events", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: body
      });
    } catch (error) {
      return { status: 0, reply: null };
    }
    let reply = null;
    try { reply = await response.json(); } catch (error) { reply = null; }
    if (reply && reply.state && state && reply.state.version > state.version) render(reply.state);
    if (response.status === 409) showNotice(text("refused"));
    return { status: response.status, reply: reply };
  }

  // MARK: the stream

  let stream = null; // the AbortController of the stream being read
  let silenceTimer = null;

  function armSilence(controller) {
    clearTimeout(silenceTimer);
    silenceTimer = setTimeout(() => lost(controller), SILENCE_MS);
  }

  async function connect() {
    const controller = new AbortController();
    stream = controller;
    armSilence(controller);
    let first = true;
    try {
      const response = await fetch("/ui/v1/stream", {
        signal: controller.signal, headers: { Accept: "text/event-stream" }
      });
      if (!response.ok || !response.body) throw new Error("stream answered " + response.status);
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      let event = { type: "message", data: [] };
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) break;
        armSilence(controller);
        buffer += decoder.decode(chunk.value, { stream: true });
        let end;
        while ((end = buffer.indexOf("\n")) >= 0) {
          let line = buffer.slice(0, end);
          buffer = buffer.slice(end + 1);
          if (line.endsWith("\r")) line = line.slice(0, -1);
          if (line === "") {
            if (event.data.length > 0) {
              dispatch(event.type, event.data.join("\n"), first);
              if (event.type === "state") first = false;
            }
            event = { type: "message", data: [] };
          } else if (!line.startsWith(":")) {
            const colon = line.indexOf(":");
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
            if (field === "event") event.type = value;
            else if (field === "data") event.data.push(value);
          }
        }
      }
    } catch (error) {
      // a refused connection, a reset or our own abort: handled below
    }
    lost(controller);
  }

  function lost(controller) {
    if (stream !== controller) return;
    stream = null;
    clearTimeout(silenceTimer);
    controller.abort();
    showUnreachable();
    setTimeout(connect, RETRY_MS);
  }

  function dispatch(type, data, first) {
    let payload;
    try { payload = JSON.parse(data); } catch (error) { return; }
    if (type === "state") {
      // The first state of a stream is the truth even when its version is lower (kioskd restarted).
      if (first || !state || payload.version > state.version) render(payload);
    } else if (type === "notice") {
      notice(payload);
    }
  }

  // MARK: rendering

  function show(screen) {
    const section = byID("screen-" + screen) ? screen : "pleaseWait";
    if (section !== shownScreen) {
      all("main > section").forEach((element) => { element.hidden = element.dataset.screen !== section; });
      const previous = shownScreen;
      shownScreen = section;
      window.scrollTo(0, 0); // every screen starts at its top
      entered(section, previous);
      const tap = pendingTap;
      pendingTap = null;
      requestAnimationFrame((frameTime) => {
        const at = performance.now();
        metrics.screens.push({ screen: section, epochMs: performance.timeOrigin + at });
        if (metrics.firstScreen === null) metrics.firstScreen = at;
        if (tap && tap.from === previous) metrics.taps.push({ from: previous, to: section, ms: at - tap.at });
      });
    }
  }

  function render(next) {
    state = next;
    stateReceivedAt = performance.now();
    if (lastTransactionID && next.transactionID !== lastTransactionID) wipe(!next.transactionID);
    lastTransactionID = next.transactionID || null;
    document.documentElement.classList.toggle("elderly", !!next.elderly);
    let screen = next.screen === "collect" ? "rating" : next.screen;
    fill(screen, next);
    show(screen);
    byID("staff-banner").hidden = !next.staffCall;
    tick();
  }

  function showUnreachable() {
    state = null;
    pendingTap = null;
    byID("staff-banner").hidden = true;
    byID("countdown").hidden = true;
    byID("oos-reasons").replaceChildren();
    byID("oos-message").hidden = true;
    byID("oos-unreachable").hidden = false;
    show("outOfService");
  }

  /// Forgets everything a citizen typed or drew: a session ended or another began.
  function wipe(resetLanguage) {
    const shown = ["identity-name", "identity-number", "done-name", "done-code", "done-transaction", "handoff-heading",
      "handoff-ticket", "handoff-reason", "rating-handoff-heading", "rating-handoff-ticket", "rating-handoff-reason",
      "rejected-lead", "rejected-reasons", "card-error-text", "card-attempts", "face-mismatch-text"];
    shown.forEach((id) => byID(id).replaceChildren());
    byID("application").reset();
    formIssues = [];
    showIssues();
    clearSignature();
    byID("declaration-accept").checked = false;
    resetRating();
    keypadTarget = null;
    byID("keypad").hidden = true;
    if (resetLanguage && language !== "zh") { language = "zh"; applyStrings(); }
    applyKind();
  }

  // MARK: live preview

  const faceScreens = new Set(["captureFace", "verifyingFace"]);

  /// The preview stream is open only while a face screen shows. The one <img> moves into the shown screen's frame
  /// (moving it does not reload it, so 开始比对 keeps the same stream: no new request that could arrive after the
  /// step has ended); it gets the stream's address on entering the face step and an empty src on leaving it, which
  /// ends the request (the daemon also ends the stream itself when the step is over). A fresh query each time keeps
  /// a reopened stream from being taken for the old one.
  function showPreview(screen) {
    const image = byID("face-preview");
    if (faceScreens.has(screen)) {
      const frame = byID("screen-" + screen).querySelector("[data-face-frame]");
      if (image.parentElement !== frame) frame.appendChild(image);
      if (!image.getAttribute("src")) image.src = "/ui/v1/camera?t=" + Date.now();
    } else if (image.getAttribute("src")) {
      image.src = "";
    }
  }

  function entered(screen, previous) {
    showPreview(screen);
    if (screen === "signature") { clearSignature(); byID("signature-issue").hidden = true; }
    if (screen === "declaration") { byID("declaration-accept").checked = false; byID("declaration-issue").hidden = true; }
    if (screen === "rating" && previous !== "rating") resetRating();
    if (screen === "welcome") wipe(false);
  }

  function fill(screen, s) {
    switch (screen) {
      case "placeCard": {
        const card = s.card || {};
        byID("present-again").hidden = !card.presentAgain;
        const failed = !!card.lastError;
        byID("card-error").hidden = !failed;
        if (failed) {
          const key = codeKey("cardError_", card.lastError);
          byID("card-error-text").textContent = text(known(key) ? key : "cardError_other");
          byID("card-attempts").textContent = typeof card.attemptsLeft === "number" ? text("attemptsLeft", { n: card.attemptsLeft }) : "";
        }
        break;
      }
      case "confirmIdentity": {
        const identity = s.identity || {};
        byID("identity-name").textContent = identity.name || "";
        byID("identity-number").textContent = identity.maskedIDNumber || "";
        break;
      }
      case "captureFace": {
        const left = s.face && typeof s.face.attemptsLeft === "number" ? s.face.attemptsLeft : null;
        byID("face-mismatch").hidden = left === null;
        byID("face-mismatch-text").textContent = left === null ? "" : text("faceMismatch", { n: left });
        break;
      }
      case "form": {
        formIssues = s.formIssues || [];
        showIssues();
        const rejected = s.applicationRejected;
        byID("rejected").hidden = !rejected;
        if (rejected) {
          byID("rejected-lead").textContent = text("rejectedLead", { n: rejected.attemptsLeft });
          byID("rejected-reasons").replaceChildren(...(rejected.reasons || []).map((reason) => {
            const item = document.createElement("li");
            item.textContent = reason;
            return item;
          }));
        }
        break;
      }
      case "printing": {
        const progress = s.progress || {};
        byID("progress-licence").textContent = text("status_" + (progress.licence || "pending"));
        byID("progress-receipt").textContent = text("status_" + (progress.receipt || "pending"));
        byID("print-problem").hidden = !(progress.licence === "problem" || s.staffCall);
        break;
      }
      case "rating": {
        const progress = s.progress || {};
        byID("collect").hidden = progress.licence !== "printed" || !!s.handOff;
        byID("receipt-failed").hidden = progress.receipt !== "failed";
        byID("rating-handoff").hidden = !s.handOff;
        if (s.handOff) fillHandOff(s.handOff, "rating-handoff");
        break;
      }
      case "done": {
        const done = s.done || {};
        byID("done-name").textContent = done.enterpriseName || "";
        byID("done-code").textContent = done.creditCode || "";
        byID("done-transaction").textContent = done.transactionID || "";
        break;
      }
      case "handOff":
        fillHandOff(s.handOff || {}, "handoff");
        break;
      case "outOfService": {
        const reasons = (s.outOfService && s.outOfService.reasons) || [];
        const message = s.outOfService && s.outOfService.message;
        byID("oos-unreachable").hidden = true;
        byID("oos-message").hidden = !message;
        byID("oos-message").textContent = message || "";
        byID("oos-reasons").replaceChildren(...reasons.map((reason) => {
          const item = document.createElement("li");
          const key = codeKey("oos_", reason);
          item.textContent = text(known(key) ? key : "oos_other");
          return item;
        }));
        break;
      }
      default:
        break;
    }
  }

  function fillHandOff(handOff, prefix) {
    byID(prefix + "-heading").textContent = text("handOffHeading", { window: handOff.window || "人工窗口" });
    byID(prefix + "-ticket").textContent = handOff.ticket ? text("handOffTicket") + " " + handOff.ticket : text("handOffNoTicket");
    const key = codeKey("handOff_", handOff.reason || "");
    byID(prefix + "-reason").textContent = text("handOffWhy") + ": " + text(known(key) ? key : "handOff_other");
  }

  // MARK: countdown

  function secondsLeft() {
    if (!state || typeof state.secondsLeft !== "number") return null;
    return state.secondsLeft - (performance.now() - stateReceivedAt) / 1000;
  }

  function tick() {
    const left = secondsLeft();
    const overlay = byID("countdown");
    const showing = left !== null && (left <= COUNTDOWN_LEAD_S || state.warning === true);
    overlay.hidden = !showing;
    if (showing) byID("countdown-text").textContent = text("countdown", { n: Math.max(0, Math.ceil(left)) });
  }

  // MARK: notices

  function showNotice(message) {
    const banner = byID("notice-banner");
    banner.textContent = message;
    banner.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => { banner.hidden = true; }, 4000);
  }

  function notice(payload) {
    switch (payload.kind) {
      case "cardDetected": showNotice(text("noticeCardDetected")); break;
      case "cardRead": showNotice(text("noticeCardRead")); break;
      case "staffAction": showNotice(text("noticeStaffAction")); break;
      case "receiptFailed": showNotice(text("receiptFailed")); break;
      default: break;
    }
  }

  // MARK: form

  const capitalFields = new Set(["registeredCapital", "registeredCapitalWan"]);

  function showIssues() {
    all("#application .field").forEach((field) => {
      const name = field.dataset.field;
      const mine = formIssues.filter((issue) => issue.field === name || (name === "registeredCapital" && capitalFields.has(issue.field)));
      const slot = byID("issue-" + name);
      slot.textContent = mine.map((issue) => (language === "en" && issue.messageEnglish) || issue.message).join(" ");
      slot.hidden = mine.length === 0;
      field.classList.toggle("has-issue", mine.length > 0);
      const input = field.querySelector("input, textarea");
      if (mine.length > 0) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
    });
    const summary = byID("form-summary");
    summary.hidden = formIssues.length === 0;
    summary.textContent = formIssues.length ? text("formHasIssues", { n: formIssues.length }) : "";
  }

  function kind() {
    const checked = document.querySelector('input[name="kind"]:checked');
    return checked ? checked.value : "company";
  }

  function applyKind() {
    const company = kind() === "company";
    const set = (id, key) => { const label = document.querySelector('label[for="' + id + '"]'); label.dataset.s = key; label.textContent = text(key); };
    set("f-representative", company ? "fieldRepresentativeCompany" : "fieldRepresentativeIndividual");
    set("f-capital", company ? "fieldCapitalCompany" : "fieldCapitalIndividual");
    set("f-address", company ? "fieldAddressCompany" : "fieldAddressIndividual");
  }

  function submitForm(event) {
    event.preventDefault();
    const value = (id) => byID(id).value.trim();
    const capital = value("f-capital");
    const form = {
      kind: kind(), name: value("f-name"), entityType: value("f-entityType"),
      representative: value("f-representative"),
      registeredCapitalWan: capital === "" || isNaN(Number(capital)) ? null : Number(capital),
      address: value("f-address"), businessScope: value("f-scope"), phone: value("f-phone")
    };
    send("submitForm", { form: form }).then((result) => {
      if (result.status === 422 && result.reply && result.reply.issues) {
        formIssues = result.reply.issues;
        showIssues();
      }
    });
  }

  function keypadPress(key) {
    const input = keypadTarget;
    if (!input) return;
    if (key === "delete") input.value = input.value.slice(0, -1);
    else if (key === "clear") input.value = "";
    else if (input.value.length < input.maxLength) input.value += key;
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // MARK: signature

  const pad = { points: 0, minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity, last: null };

  function clearSignature() {
    const canvas = byID("signature-pad");
    const context = canvas.getContext("2d");
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    Object.assign(pad, { points: 0, minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity, last: null });
  }

  function padPoint(event) {
    const canvas = byID("signature-pad");
    const box = canvas.getBoundingClientRect();
    return {
      x: (event.clientX - box.left) * (canvas.width / box.width),
      y: (event.clientY - box.top) * (canvas.height / box.height)
    };
  }

  function addPoint(point, joined) {
    const context = byID("signature-pad").getContext("2d");
    context.strokeStyle = "#000000";
    context.fillStyle = "#000000";
    context.lineWidth = 5;
    context.lineCap = "round";
    context.lineJoin = "round";
    if (joined && pad.last) {
      context.beginPath();
      context.moveTo(pad.last.x, pad.last.y);
      context.lineTo(point.x, point.y);
      context.stroke();
    } else {
      context.beginPath();
      context.arc(point.x, point.y, 2.5, 0, 2 * Math.PI);
      context.fill();
    }
    pad.last = point;
    pad.points += 1;
    pad.minX = Math.min(pad.minX, point.x); pad.maxX = Math.max(pad.maxX, point.x);
    pad.minY = Math.min(pad.minY, point.y); pad.maxY = Math.max(pad.maxY, point.y);
  }

  function bindSignaturePad() {
    const canvas = byID("signature-pad");
    let drawing = null;
    canvas.addEventListener("pointerdown", (event) => {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      drawing = event.pointerId;
      byID("signature-issue").hidden = true;
      addPoint(padPoint(event), false);
    });
    canvas.addEventListener("pointermove", (event) => {
      if (drawing !== event.pointerId) return;
      const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
      (events.length ? events : [event]).forEach((each) => addPoint(padPoint(each), true));
    });
    const end = (event) => { if (drawing === event.pointerId) { drawing = null; pad.last = null; } };
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
  }

  function signatureIssue(message) {
    const issue = byID("signature-issue");
    issue.textContent = "！" + message;
    issue.hidden = false;
  }

  function confirmSignature() {
    const canvas = byID("signature-pad");
    const width = pad.points ? pad.maxX - pad.minX : 0;
    const height = pad.points ? pad.maxY - pad.minY : 0;
    // The daemon's rule (docs/ui-api.md), checked here too so a trivial mark is refused without a round trip.
    if (pad.points < 20 || width < canvas.width * 0.15 || height < canvas.height * 0.05) {
      signatureIssue(text("signatureTooSmall"));
      return;
    }
    const ink = {
      points: pad.points, boundsWidth: Math.round(width), boundsHeight: Math.round(height),
      canvasWidth: canvas.width, canvasHeight: canvas.height
    };
    send("sign", { image: canvas.toDataURL("image/png"), ink: ink }).then((result) => {
      if (result.status === 422) {
        const issues = (result.reply && result.reply.issues) || [];
        const mine = issues.find((issue) => issue.field === "signature");
        signatureIssue(mine ? (language === "en" && mine.messageEnglish) || mine.message : text("signatureRefused"));
        clearSignature();
      }
    });
  }

  // MARK: rating

  function resetRating() {
    selectedGrade = null;
    all(".grade").forEach((button) => button.setAttribute("aria-pressed", "false"));
    all("#rating-reasons input").forEach((box) => { box.checked = false; });
    byID("rating-reasons").hidden = true;
    byID("rating-issue").hidden = true;
  }

  function chooseGrade(grade) {
    selectedGrade = grade;
    all(".grade").forEach((button) => button.setAttribute("aria-pressed", String(Number(button.dataset.grade) === grade)));
    byID("rating-reasons").hidden = grade > 2;
    byID("rating-issue").hidden = true;
  }

  function submitRating() {
    if (selectedGrade === null) {
      byID("rating-issue").textContent = "！" + text("chooseGrade");
      byID("rating-issue").hidden = false;
      return;
    }
    const fields = { grade: selectedGrade };
    if (selectedGrade <= 2) {
      fields.reasons = all('#rating-reasons input[value]').filter((box) => box.checked).map((box) => box.value);
      fields.followUpConsent = byID("follow-up").checked;
    }
    send("rate", fields);
  }

  // MARK: wiring

  function tapped(event) {
    // Only taps meant to move on count (not keypad keys, grades, the language or the staff button).
    const target = event.target.closest("button");
    const movesOn = target && !target.closest("#keypad") && !target.classList.contains("grade") &&
      target.id !== "language" && target.id !== "call-staff" && target.id !== "signature-clear";
    if (movesOn && shownScreen) pendingTap = { at: event.timeStamp, from: shownScreen };
  }

  function bind() {
    document.addEventListener("click", tapped, true);
    byID("language").addEventListener("click", () => {
      language = language === "zh" ? "en" : "zh";
      applyStrings();
      applyKind();
      if (state) { fill(shownScreen, state); tick(); }
      showIssues();
    });
    byID("call-staff").addEventListener("click", () => send("callStaff"));
    byID("start").addEventListener("click", () => send("start", { elderly: false }));
    byID("start-elderly").addEventListener("click", () => send("start", { elderly: true }));
    all("button[data-event]").forEach((button) => button.addEventListener("click", () => send(button.dataset.event)));
    byID("application").addEventListener("submit", submitForm);
    all('input[name="kind"]').forEach((radio) => radio.addEventListener("change", applyKind));
    document.addEventListener("focusin", (event) => {
      const element = event.target;
      if (element.matches && element.matches("input[data-keypad]")) {
        keypadTarget = element;
        byID("keypad").hidden = false;
        byID("key-dot").hidden = element.dataset.keypad !== "decimal";
        byID("key-dash").hidden = element.dataset.keypad !== "phone";
      } else if (element.matches && element.matches("input[type=text], textarea")) {
        keypadTarget = null;
        byID("keypad").hidden = true;
      }
    });
    all("#keypad button").forEach((button) => {
      button.addEventListener("pointerdown", (event) => event.preventDefault()); // keeps the field focused
      button.addEventListener("click", () => keypadPress(button.dataset.key));
    });
    bindSignaturePad();
    byID("signature-clear").addEventListener("click", () => { clearSignature(); byID("signature-issue").hidden = true; });
    byID("signature-confirm").addEventListener("click", confirmSignature);
    byID("declaration-submit").addEventListener("click", () => {
      if (!byID("declaration-accept").checked) {
        byID("declaration-issue").textContent = "！" + text("declarationRequired");
        byID("declaration-issue").hidden = false;
        return;
      }
      send("confirm", { declarationAccepted: true });
    });
    all(".grade").forEach((button) => button.addEventListener("click", () => chooseGrade(Number(button.dataset.grade))));
    byID("rating-submit").addEventListener("click", submitRating);
    byID("still-here").addEventListener("click", () => send("stillHere"));
    setInterval(tick, 250);
  }

  function begin() {
    applyStrings();
    applyKind();
    bind();
    clearSignature();
    connect();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", begin);
  else begin();
})();
