/* Study progress on a lesson page (templates/courses/lesson_page.html).

   Video lessons: the parts of the video actually played, while the page is visible, are sent to
   the server as [start, end] intervals every 10 s and on pause, end and page hide. Seeking closes
   the current part, so skipping ahead earns nothing. Text lessons: reading time is counted by the
   server from heartbeats sent while the page is visible, plus a mark once the end is reached.
   The server decides what counts; this script only reports and draws the watched-parts bar. */
(function () {
  "use strict";

  var BEAT_EVERY = 10000;
  var MAX_JUMP = 1.5; // seconds between two time updates beyond which the player must have seeked
  var MAX_PENDING = 100;

  function Study(panel) {
    this.panel = panel;
    this.config = JSON.parse(document.getElementById("study-config").textContent);
    this.token = null;
    this.starting = null;
    this.seq = 0;
    this.pending = []; // closed intervals not yet accepted by the server
    this.current = null; // the interval being played now
    this.lastTime = null;
    this.stopped = false;
    this.inFlight = false; // one heartbeat at a time: the server refuses one that arrives after a newer one
    this.queued = null;
    this.atEnd = false;
    this.video = null;
  }

  Study.prototype.init = function () {
    var study = this;
    this.draw(this.config.watched, this.config.completed, null);
    if (this.config.kind === "video") {
      this.video = document.querySelector("[data-video-player] video");
      if (!this.video) {
        return;
      }
      this.bindVideo();
    } else {
      this.bindReading();
    }
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") {
        study.closeCurrent();
        study.send("hidden", true);
      } else if (study.config.kind === "text") {
        study.send("visible", false);
      }
    });
    window.addEventListener("pagehide", function () {
      study.closeCurrent();
      study.send("hidden", true);
    });
    window.setInterval(function () { study.tick(); }, BEAT_EVERY);
  };

  // Video --------------------------------------------------------------------------------------

  Study.prototype.bindVideo = function () {
    var study = this;
    var video = this.video;
    video.addEventListener("playing", function () { study.ensureStarted(); });
    video.addEventListener("timeupdate", function () { study.onTime(); });
    video.addEventListener("seeking", function () { study.closeCurrent(); });
    video.addEventListener("pause", function () {
      study.closeCurrent();
      study.send("pause", false);
    });
    video.addEventListener("ended", function () {
      study.onTime();
      study.closeCurrent();
      study.send("ended", false);
    });
  };

  Study.prototype.counts = function () {
    var video = this.video;
    return !video.paused && !video.seeking && !video.ended && document.visibilityState === "visible";
  };

  Study.prototype.onTime = function () {
    var now = this.video.currentTime;
    if (!this.counts()) {
      this.closeCurrent();
      this.lastTime = now;
      return;
    }
    var step = now - this.lastTime;
    var limit = MAX_JUMP * Math.max(1, this.video.playbackRate);
    if (this.current && this.lastTime !== null && step >= 0 && step <= limit) {
      this.current[1] = now;
    } else {
      this.closeCurrent();
      this.current = [now, now];
    }
    this.lastTime = now;
  };

  Study.prototype.closeCurrent = function () {
    if (this.current && this.current[1] > this.current[0]) {
      this.pending.push([this.current[0], this.current[1]]);
    }
    this.current = null;
    this.lastTime = null;
    if (this.pending.length > MAX_PENDING) {
      this.pending = this.pending.slice(-MAX_PENDING);
    }
  };

  Study.prototype.takeIntervals = function () {
    var parts = this.pending;
    if (this.current && this.current[1] > this.current[0]) {
      parts = parts.concat([[this.current[0], this.current[1]]]);
      this.current = [this.current[1], this.current[1]];
    }
    this.pending = [];
    return parts.map(function (part) {
      return [Math.round(part[0] * 1000) / 1000, Math.round(part[1] * 1000) / 1000];
    });
  };

  // Reading ------------------------------------------------------------------------------------

  Study.prototype.bindReading = function () {
    var study = this;
    var end = document.querySelector("[data-study-end]");
    if (end && "IntersectionObserver" in window) {
      new IntersectionObserver(function (entries) {
        if (entries.some(function (entry) { return entry.isIntersecting; }) && !study.atEnd) {
          study.atEnd = true;
          study.send("tick", false);
        }
      }).observe(end);
    } else {
      this.atEnd = true;
    }
    if (document.visibilityState === "visible") {
      this.ensureStarted();
    }
  };

  // Talking to the server ----------------------------------------------------------------------

  Study.prototype.ensureStarted = function () {
    var study = this;
    if (this.token || this.starting || this.stopped) {
      return this.starting;
    }
    var body = new FormData();
    body.append("csrfmiddlewaretoken", this.config.csrf);
    this.starting = fetch(this.config.startUrl, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) {
            study.stop(data.message);
            return;
          }
          study.token = data.token;
        });
      })
      .catch(function () { /* offline: the next play or tick tries again */ })
      .then(function () { study.starting = null; });
    return this.starting;
  };

  Study.prototype.tick = function () {
    if (this.config.kind === "video") {
      if (this.counts() || this.pending.length) {
        this.send("tick", false);
      }
    } else if (document.visibilityState === "visible") {
      this.send("tick", false);
    }
  };

  Study.prototype.send = function (event, leaving) {
    if (!this.token || this.stopped) {
      return;
    }
    if (this.inFlight && !leaving) {
      this.queued = this.queued || event; // its intervals wait in this.pending
      return;
    }
    var intervals = this.config.kind === "video" ? this.takeIntervals() : [];
    if (this.config.kind === "video" && !intervals.length && event === "tick") {
      return;
    }
    this.seq += 1;
    var beat = {
      seq: this.seq,
      event: event,
      intervals: intervals,
      position: this.video ? this.video.currentTime : 0,
      atEnd: this.atEnd,
    };
    var body = new FormData();
    body.append("csrfmiddlewaretoken", this.config.csrf);
    body.append("token", this.token);
    body.append("beat", JSON.stringify(beat));
    if (leaving && navigator.sendBeacon && navigator.sendBeacon(this.config.beatUrl, body)) {
      return;
    }
    var study = this;
    this.inFlight = true;
    this.panel.setAttribute("data-study-busy", "");
    fetch(this.config.beatUrl, { method: "POST", body: body, credentials: "same-origin", keepalive: leaving })
      .then(function (response) {
        return response.json().then(function (data) { study.answered(response.status, data, intervals); });
      })
      .catch(function () { study.keep(intervals); })
      .then(function () {
        study.inFlight = false;
        study.panel.removeAttribute("data-study-busy");
        var next = study.queued;
        study.queued = null;
        if (next) {
          study.send(next, false);
        }
      });
  };

  Study.prototype.keep = function (intervals) {
    this.pending = intervals.concat(this.pending);
  };

  Study.prototype.answered = function (status, data, intervals) {
    if (status === 200) {
      this.draw(data.watched, data.completed, data);
      return;
    }
    if (status === 409 || status === 422 || status === 429 || status >= 500) {
      // Not counted (overtaken by a newer heartbeat, reported too early, or the server is busy):
      // these parts go again with the next one.
      this.keep(intervals);
    } else if (status === 403) {
      this.stop(data.message);
    }
  };

  Study.prototype.stop = function (message) {
    this.stopped = true;
    var note = this.panel.querySelector(".study-panel__message");
    if (note && message) {
      note.textContent = message;
      note.hidden = false;
    }
  };

  // Drawing ------------------------------------------------------------------------------------

  Study.prototype.draw = function (watched, completed, data) {
    var panel = this.panel;
    var duration = this.config.duration;
    var bar = panel.querySelector(".watched-bar");
    if (bar && duration) {
      bar.textContent = "";
      var seconds = 0;
      watched.forEach(function (part) {
        var span = document.createElement("span");
        span.style.left = (part[0] / duration) * 100 + "%";
        span.style.width = ((part[1] - part[0]) / duration) * 100 + "%";
        bar.appendChild(span);
        seconds += part[1] - part[0];
      });
      var percent = completed ? 100 : Math.min(100, Math.floor((seconds / duration) * 100));
      panel.querySelector("[data-study-percent]").textContent = percent;
    }
    if (data && this.config.kind === "text") {
      var read = panel.querySelector("[data-study-read]");
      if (read) {
        read.textContent = Math.floor(data.readSeconds / 60) + ":" + String(Math.floor(data.readSeconds % 60)).padStart(2, "0");
      }
    }
    panel.classList.toggle("is-complete", Boolean(completed));
    if (data && data.lessonCompleted) {
      panel.setAttribute("data-just-completed", "");
    }
    if (data && data.courseCompleted) {
      var course = panel.querySelector(".study-panel__course-done");
      if (course) {
        course.hidden = false;
      }
    }
  };

  function start() {
    var panel = document.querySelector("[data-study]");
    if (panel && window.fetch && window.FormData) {
      new Study(panel).init();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
