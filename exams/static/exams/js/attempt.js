/* The attempt page (templates/exams/attempt.html): autosave that never loses an answer.

   Changed answers wait in `pending` (mirrored to localStorage, so a reload or a crash keeps
   them). One batch is in flight at a time and is resent unchanged until the server answers,
   so a retried save is recognised as a duplicate. New changes go into the next batch with the
   next sequence number. A 409 means another window took over or the save is stale: the page
   stops writing and says so. Network loss retries with backoff (1 s doubling to 30 s) and at
   once when the browser comes back online. The deadline comes from the server; the timer only
   shows it and submits when it is reached. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("attempt-config").textContent);
  var text = config.text;
  var form = document.querySelector("[data-attempt-form]");
  var statusEl = document.querySelector("[data-save-status]");
  var alertEl = document.querySelector("[data-attempt-alert]");
  var storageKey = "exam-attempt:" + config.attempt;
  var offset = Date.parse(config.serverNow) - Date.now();
  var deadline = Date.parse(config.deadline);

  var lastSeq = config.seq;
  var pending = {};
  var inFlight = null; // {seq, answers}
  var retryDelay = 0;
  var retryTimer = null;
  var saveTimer = null;
  var stopped = false;
  var submitting = false;

  function store() {
    try {
      var kept = {};
      var key;
      if (inFlight) { for (key in inFlight.answers) { kept[key] = inFlight.answers[key]; } }
      for (key in pending) { kept[key] = pending[key]; }
      if (Object.keys(kept).length) {
        localStorage.setItem(storageKey, JSON.stringify(kept));
      } else {
        localStorage.removeItem(storageKey);
      }
    } catch (e) { /* private mode or full storage: the server copy still counts */ }
  }

  function restore() {
    try {
      var kept = JSON.parse(localStorage.getItem(storageKey) || "{}");
      Object.keys(kept).forEach(function (key) {
        pending[key] = kept[key];
        fill(key, kept[key]);
      });
    } catch (e) { /* ignore damaged storage */ }
  }

  function questionEl(position) {
    return form.querySelector('[data-position="' + position + '"]');
  }

  function read(fieldset) {
    var kind = fieldset.getAttribute("data-kind");
    var inputs = fieldset.querySelectorAll("input, textarea");
    if (kind === "single" || kind === "multiple") {
      var chosen = [];
      inputs.forEach(function (input) { if (input.checked) { chosen.push(parseInt(input.value, 10)); } });
      return chosen;
    }
    if (kind === "truefalse") {
      var value = null;
      inputs.forEach(function (input) { if (input.checked) { value = input.value === "true"; } });
      return value;
    }
    if (kind === "fill") {
      return Array.prototype.map.call(inputs, function (input) { return input.value; });
    }
    return inputs[0].value;
  }

  function fill(position, value) {
    var fieldset = questionEl(position);
    if (!fieldset) { return; }
    var kind = fieldset.getAttribute("data-kind");
    var inputs = fieldset.querySelectorAll("input, textarea");
    inputs.forEach(function (input, index) {
      if (kind === "single" || kind === "multiple") {
        input.checked = (value || []).indexOf(parseInt(input.value, 10)) !== -1;
      } else if (kind === "truefalse") {
        input.checked = value !== null && String(value) === input.value;
      } else if (kind === "fill") {
        input.value = (value || [])[index] || "";
      } else {
        input.value = value || "";
      }
    });
  }

  function answered(value) {
    if (value === null || value === undefined) { return false; }
    if (typeof value === "string") { return value.trim() !== ""; }
    if (Array.isArray(value)) { return value.some(function (v) { return String(v).trim() !== ""; }); }
    return true;
  }

  function drawNav() {
    var count = 0;
    var total = 0;
    form.querySelectorAll("[data-position]").forEach(function (fieldset) {
      var done = answered(read(fieldset));
      total += 1;
      count += done ? 1 : 0;
      var link = document.querySelector('[data-nav="' + fieldset.getAttribute("data-position") + '"]');
      if (link) { link.classList.toggle("is-answered", done); }
    });
    document.querySelector("[data-answered-count]").textContent = text.answered.replace("%(done)s", count).replace("%(total)s", total);
    return total - count;
  }

  function setStatus(message, state) {
    statusEl.textContent = message;
    statusEl.className = "save-status" + (state ? " is-" + state : "");
  }

  function showAlert(message, withReload) {
    alertEl.hidden = false;
    alertEl.textContent = message + " ";
    if (withReload) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-sm btn-secondary";
      button.textContent = text.reload;
      button.addEventListener("click", function () { window.location.reload(); });
      alertEl.appendChild(button);
    }
    alertEl.scrollIntoView({ block: "center" });
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": config.csrfToken, "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        var error = new Error("not json");
        error.loggedOut = response.redirected || response.status === 200;
        throw error;
      }
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    });
  }

  function scheduleRetry() {
    retryDelay = retryDelay ? Math.min(retryDelay * 2, 30000) : 1000;
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(flush, retryDelay);
  }

  function stop(message, withReload) {
    stopped = true;
    document.documentElement.removeAttribute("data-exam-busy");
    setStatus(text.notSaved, "error");
    showAlert(message, withReload);
  }

  function handleRefusal(result) {
    var code = result.data.error;
    if (code === "finished" || code === "deadline") {
      store();
      window.location.href = config.resultUrl;
      return;
    }
    stop(result.data.detail || text.notSaved, code === "other_window" || code === "stale");
  }

  function flush() {
    if (stopped || submitting) { return; }
    if (!inFlight) {
      if (!Object.keys(pending).length) { return; }
      inFlight = { seq: lastSeq + 1, answers: pending };
      pending = {};
    }
    var batch = inFlight;
    document.documentElement.setAttribute("data-exam-busy", "1");
    setStatus(text.saving, "saving");
    post(config.saveUrl, { writer: config.writer, seq: batch.seq, answers: batch.answers }).then(function (result) {
      if (result.status === 200) {
        lastSeq = batch.seq;
        inFlight = null;
        retryDelay = 0;
        store();
        document.documentElement.removeAttribute("data-exam-busy");
        setStatus(Object.keys(pending).length ? text.saving : text.saved, Object.keys(pending).length ? "saving" : "saved");
        if (Object.keys(pending).length) { flush(); }
      } else if (result.status >= 500 || result.status === 429) {
        setStatus(text.offline, "offline");
        scheduleRetry();
      } else {
        handleRefusal(result);
      }
    }).catch(function (error) {
      setStatus(error.loggedOut ? text.loggedOut : text.offline, "offline");
      scheduleRetry();
    });
  }

  function changed(fieldset) {
    if (stopped) { return; }
    var position = fieldset.getAttribute("data-position");
    pending[position] = read(fieldset);
    store();
    drawNav();
    setStatus(text.saving, "saving");
    window.clearTimeout(saveTimer);
    var typing = fieldset.getAttribute("data-kind") === "essay" || fieldset.getAttribute("data-kind") === "fill";
    saveTimer = window.setTimeout(function () { if (!inFlight) { flush(); } }, typing ? 1500 : 300);
  }

  function submit(auto) {
    if (submitting) { return; }
    submitting = true;
    window.clearTimeout(retryTimer);
    document.documentElement.setAttribute("data-exam-busy", "1");
    var answers = {};
    var key;
    if (inFlight) { for (key in inFlight.answers) { answers[key] = inFlight.answers[key]; } }
    for (key in pending) { answers[key] = pending[key]; }
    var seq = (inFlight ? inFlight.seq : lastSeq) + 1;
    var body = { writer: config.writer };
    if (Object.keys(answers).length) { body.seq = seq; body.answers = answers; }
    setStatus(auto ? text.timeUp : text.submitting, "saving");
    var attemptSubmit = function () {
      post(config.submitUrl, body).then(function (result) {
        if (result.status === 200) {
          try { localStorage.removeItem(storageKey); } catch (e) { /* ignore */ }
          window.location.href = result.data.resultUrl;
        } else if (result.status >= 500 || result.status === 429) {
          retry();
        } else {
          submitting = false;
          handleRefusal(result);
        }
      }).catch(retry);
    };
    var retry = function () {
      setStatus(text.offlineSubmit, "offline");
      retryDelay = retryDelay ? Math.min(retryDelay * 2, 30000) : 1000;
      retryTimer = window.setTimeout(attemptSubmit, retryDelay);
    };
    attemptSubmit();
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function tick() {
    var left = Math.max(0, Math.floor((deadline - (Date.now() + offset)) / 1000));
    var hours = Math.floor(left / 3600);
    var value = (hours ? hours + ":" : "") + pad(Math.floor((left % 3600) / 60)) + ":" + pad(left % 60);
    var timer = document.querySelector("[data-timer-value]");
    timer.textContent = value;
    document.querySelector("[data-timer]").classList.toggle("is-ending", left <= 300);
    if (left === 0 && !submitting && !stopped) { submit(true); }
  }

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("[data-position]");
    if (fieldset) { changed(fieldset); }
  });
  form.addEventListener("input", function (event) {
    var fieldset = event.target.closest("[data-position]");
    if (fieldset && event.target.matches("input[type=text], textarea")) { changed(fieldset); }
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  window.addEventListener("online", function () {
    if (submitting) { return; }
    retryDelay = 0;
    window.clearTimeout(retryTimer);
    flush();
  });
  window.addEventListener("beforeunload", function (event) {
    if (!submitting && (inFlight || Object.keys(pending).length)) {
      store();
      event.preventDefault();
      event.returnValue = "";
    }
  });

  var dialog = document.querySelector("[data-submit-dialog]");
  document.querySelector("[data-submit]").addEventListener("click", function () {
    var missing = drawNav();
    document.querySelector("[data-submit-summary]").textContent = missing ? text.unanswered.replace("%(count)s", missing) : text.allAnswered;
    if (dialog.showModal) {
      dialog.showModal();
    } else if (window.confirm(text.confirmSubmit)) {
      submit(false);
    }
  });
  dialog.addEventListener("close", function () {
    if (dialog.returnValue === "submit") { submit(false); }
  });

  restore();
  drawNav();
  tick();
  window.setInterval(tick, 1000);
  if (Object.keys(pending).length) { flush(); }
}());
