/* The attempt page (templates/exams/attempt.html): autosave that never loses an answer.

   Changed answers wait in `pending`, mirrored to localStorage with the highest sequence number this
   window may have sent, so a reload or a crash keeps them (and a copy older than what another window
   has saved since is dropped on restore). One batch is in flight at a time, and it is resent unchanged
   until the server answers, so a retried save is recognised as a duplicate; a request that hangs is
   aborted after 20 s. New changes go into the next batch with the next sequence number. A 409 means
   another window took over or the save is stale: the page stops writing, locks the form and says so.
   Network loss retries with backoff (1 s doubling to 30 s) and at once when the browser is back
   online. Submitting has a retry timer of its own. The deadline comes from the server; the timer only
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
  var REQUEST_TIMEOUT = 20000;
  var MAX_BATCH_CHARS = 200000;

  var lastSeq = config.seq;
  var pending = {};
  var inFlight = null; // {seq, answers}: sent, not yet acknowledged
  var outstanding = null; // the AbortController of the request on the wire
  var saveDelay = 0;
  var saveRetry = null;
  var submitDelay = 0;
  var submitRetry = null;
  var typingTimer = null;
  var stopped = false;
  var submitting = false;

  function unsaved() {
    var all = {};
    var key;
    if (inFlight) { for (key in inFlight.answers) { all[key] = inFlight.answers[key]; } }
    for (key in pending) { all[key] = pending[key]; }
    return all;
  }

  function store() {
    try {
      var all = unsaved();
      if (Object.keys(all).length) {
        var sentUpTo = inFlight ? inFlight.seq : lastSeq;
        localStorage.setItem(storageKey, JSON.stringify({ sentUpTo: sentUpTo, answers: all }));
      } else {
        localStorage.removeItem(storageKey);
      }
    } catch (e) { /* private mode or full storage: the server copy still counts */ }
  }

  function restore() {
    try {
      var kept = JSON.parse(localStorage.getItem(storageKey) || "null");
      if (!kept || !kept.answers) { return; }
      if (typeof kept.sentUpTo !== "number" || kept.sentUpTo < config.seq) {
        localStorage.removeItem(storageKey); // another window saved after these: the server copy wins
        return;
      }
      Object.keys(kept.answers).forEach(function (key) {
        pending[key] = kept.answers[key];
        fill(key, kept.answers[key]);
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
    fieldset.querySelectorAll("input, textarea").forEach(function (input, index) {
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
    document.querySelector("[data-answered-count]").textContent =
      text.answered.replace("%(done)s", count).replace("%(total)s", total);
    return total - count;
  }

  function setStatus(message, state) {
    statusEl.textContent = message;
    statusEl.className = "save-status" + (state ? " is-" + state : "");
  }

  function busy(on) {
    if (on) {
      document.documentElement.setAttribute("data-exam-busy", "1");
    } else {
      document.documentElement.removeAttribute("data-exam-busy");
    }
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

  function csrfToken() {
    var match = document.cookie.match(new RegExp("(?:^|; )" + config.csrfCookie + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : config.csrfToken; // a new login rotates the cookie
  }

  function post(url, body) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? window.setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT) : null;
    outstanding = controller || true;
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), "Accept": "application/json" },
      body: JSON.stringify(body),
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        // The login page (a redirect) or Django's CSRF 403 page: not an answer from the exam engine.
        return { status: response.redirected ? 401 : response.status, data: {} };
      }
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    }).finally(function () {
      window.clearTimeout(timer);
      outstanding = null;
    });
  }

  function transient(status) {
    return status >= 500 || status === 429 || status === 401;
  }

  function stop(message, withReload) {
    stopped = true;
    busy(false);
    window.clearTimeout(saveRetry);
    window.clearTimeout(submitRetry);
    store();
    form.querySelectorAll("fieldset").forEach(function (fieldset) { fieldset.disabled = true; });
    document.querySelector("[data-submit]").disabled = true;
    setStatus(text.notSaved, "error");
    showAlert(message, withReload);
  }

  function refused(result) {
    var code = result.data.error;
    if (result.status === 403 && !code) {
      stop(text.sessionChanged, true);
    } else if (code === "deadline" || (code === "finished" && !Object.keys(unsaved()).length)) {
      window.location.href = config.resultUrl;
    } else {
      stop(result.data.detail || text.notSaved, code === "other_window" || code === "stale" || code === "finished");
    }
  }

  function retrySave(status) {
    setStatus(status === 401 ? text.loggedOut : text.offline, "offline");
    saveDelay = saveDelay ? Math.min(saveDelay * 2, 30000) : 1000;
    window.clearTimeout(saveRetry);
    saveRetry = window.setTimeout(flush, saveDelay);
  }

  function nextBatch() {
    var answers = {};
    var size = 0;
    Object.keys(pending).forEach(function (key) {
      var piece = JSON.stringify(pending[key]).length;
      if (size && size + piece > MAX_BATCH_CHARS) { return; }
      answers[key] = pending[key];
      size += piece;
      delete pending[key];
    });
    return { seq: lastSeq + 1, answers: answers };
  }

  function flush() {
    if (stopped || submitting || outstanding) { return; }
    if (!inFlight) {
      if (!Object.keys(pending).length) { return; }
      inFlight = nextBatch();
      store();
    }
    var batch = inFlight;
    busy(true);
    setStatus(text.saving, "saving");
    post(config.saveUrl, { writer: config.writer, seq: batch.seq, answers: batch.answers }).then(function (result) {
      if (submitting || batch !== inFlight) { return; }
      if (result.status === 200) {
        lastSeq = batch.seq;
        inFlight = null;
        saveDelay = 0;
        store();
        busy(false);
        var more = Object.keys(pending).length > 0;
        setStatus(more ? text.saving : text.saved, more ? "saving" : "saved");
        if (more) { flush(); }
      } else if (transient(result.status)) {
        retrySave(result.status);
      } else {
        refused(result);
      }
    }).catch(function () {
      if (!submitting) { retrySave(0); }
    });
  }

  function changed(fieldset) {
    if (stopped || submitting) { return; }
    pending[fieldset.getAttribute("data-position")] = read(fieldset);
    store();
    drawNav();
    setStatus(text.saving, "saving");
    window.clearTimeout(typingTimer);
    var kind = fieldset.getAttribute("data-kind");
    typingTimer = window.setTimeout(flush, kind === "essay" || kind === "fill" ? 1500 : 300);
  }

  function submit(auto) {
    if (submitting || stopped) { return; }
    submitting = true;
    window.clearTimeout(saveRetry);
    window.clearTimeout(typingTimer);
    if (outstanding && outstanding.abort) { outstanding.abort(); } // its answers go with the submit
    busy(true);
    var answers = unsaved();
    var body = { writer: config.writer };
    if (Object.keys(answers).length) {
      body.seq = (inFlight ? inFlight.seq : lastSeq) + 1;
      body.answers = answers;
    }
    setStatus(auto ? text.timeUp : text.submitting, "saving");
    var send = function () {
      post(config.submitUrl, body).then(function (result) {
        if (result.status === 200) {
          try { localStorage.removeItem(storageKey); } catch (e) { /* ignore */ }
          window.location.href = result.data.resultUrl;
        } else if (transient(result.status)) {
          again(result.status);
        } else {
          submitting = false;
          refused(result);
        }
      }).catch(function () { again(0); });
    };
    var again = function (status) {
      setStatus(status === 401 ? text.loggedOut : text.offlineSubmit, "offline");
      submitDelay = submitDelay ? Math.min(submitDelay * 2, 30000) : 1000;
      window.clearTimeout(submitRetry);
      submitRetry = window.setTimeout(send, submitDelay);
    };
    send();
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function tick() {
    var left = Math.max(0, Math.floor((deadline - (Date.now() + offset)) / 1000));
    var hours = Math.floor(left / 3600);
    document.querySelector("[data-timer-value]").textContent =
      (hours ? hours + ":" : "") + pad(Math.floor((left % 3600) / 60)) + ":" + pad(left % 60);
    document.querySelector("[data-timer]").classList.toggle("is-ending", left <= 300);
    if (left === 0) { submit(true); }
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
    if (submitting) {
      window.clearTimeout(submitRetry);
      submitDelay = 0;
      submitRetry = window.setTimeout(function () { submitting = false; submit(false); }, 0);
      return;
    }
    saveDelay = 0;
    window.clearTimeout(saveRetry);
    flush();
  });
  window.addEventListener("beforeunload", function (event) {
    if (!submitting && Object.keys(unsaved()).length) {
      store();
      event.preventDefault();
      event.returnValue = "";
    }
  });

  var dialog = document.querySelector("[data-submit-dialog]");
  document.querySelector("[data-submit]").addEventListener("click", function () {
    var missing = drawNav();
    document.querySelector("[data-submit-summary]").textContent =
      missing ? text.unanswered.replace("%(count)s", missing) : text.allAnswered;
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
