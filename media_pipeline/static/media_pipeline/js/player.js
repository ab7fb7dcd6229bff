/* The video player (templates/media_pipeline/player.html).

   hls.js plays the signed HLS ladder where Media Source Extensions exist; Safari and iOS play it
   natively. Our bar below the picture seeks (with storyboard thumbnails), and picks quality, speed
   and subtitles. The position is kept in localStorage so a lesson resumes where it stopped.
   Without this script the <video> keeps the browser's own controls. */
(function () {
  "use strict";

  var SEEK_STEP = 5;
  var SAVE_EVERY = 5; // seconds of playback between saved positions
  var RESUME_MIN = 5; // nearer the start or the end than this, start from the beginning
  var RESUME_END_MARGIN = 10;
  var REFRESH_MIN_INTERVAL = 60 * 1000;
  var HLS_MIME = "application/vnd.apple.mpegurl";

  function formatTime(seconds) {
    var total = isFinite(seconds) && seconds > 0 ? Math.floor(seconds) : 0;
    var hours = Math.floor(total / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    var secs = String(total % 60).padStart(2, "0");
    return hours ? hours + ":" + String(minutes).padStart(2, "0") + ":" + secs : minutes + ":" + secs;
  }

  function clamp(value, low, high) {
    return Math.min(Math.max(value, low), high);
  }

  // --- Storyboard: a WebVTT track whose cues say "storyboard.jpg#xywh=x,y,w,h" ----------------

  function parseVttTime(text) {
    return text.split(":").reduce(function (total, part) {
      return total * 60 + parseFloat(part);
    }, 0);
  }

  function parseStoryboard(text, baseUrl) {
    var cues = [];
    text.replace(/\r\n?/g, "\n").split(/\n\n+/).forEach(function (block) {
      var lines = block.split("\n");
      var timing = lines.findIndex(function (line) { return line.indexOf("-->") !== -1; });
      if (timing === -1 || !lines[timing + 1]) {
        return;
      }
      var times = lines[timing].split("-->");
      var match = /^(.*)#xywh=(\d+),(\d+),(\d+),(\d+)$/.exec(lines[timing + 1].trim());
      if (!match) {
        return;
      }
      cues.push({
        start: parseVttTime(times[0].trim()),
        end: parseVttTime(times[1].trim().split(/\s+/)[0]),
        url: new URL(match[1], baseUrl).href,
        x: +match[2], y: +match[3], w: +match[4], h: +match[5],
      });
    });
    return cues;
  }

  // --- The last position, per video, on this device --------------------------------------------

  function positionKey(videoId) {
    return "partyschool.video-position." + videoId;
  }

  function readPosition(videoId) {
    try {
      return parseFloat(window.localStorage.getItem(positionKey(videoId))) || 0;
    } catch (error) {
      return 0; // storage disabled (private mode, policy)
    }
  }

  function writePosition(videoId, seconds) {
    try {
      if (seconds > 0) {
        window.localStorage.setItem(positionKey(videoId), String(Math.floor(seconds)));
      } else {
        window.localStorage.removeItem(positionKey(videoId));
      }
    } catch (error) {
      // storage full or disabled: resuming is a convenience
    }
  }

  // --- Menus: a button and a list of radio items -------------------------------------------------

  function Menu(root, onChoose) {
    this.root = root;
    this.button = root.querySelector("[aria-haspopup]");
    this.list = root.querySelector("[role=menu]");
    var menu = this;
    this.button.addEventListener("click", function () {
      menu.toggle(menu.list.hidden);
    });
    this.list.addEventListener("click", function (event) {
      var item = event.target.closest("[role=menuitemradio]");
      if (item) {
        onChoose(item.getAttribute("data-value"));
        menu.toggle(false);
        menu.button.focus();
      }
    });
    this.list.addEventListener("keydown", function (event) { menu.onKey(event); });
  }

  Menu.prototype.items = function () {
    return Array.prototype.slice.call(this.list.querySelectorAll("[role=menuitemradio]"));
  };

  Menu.prototype.toggle = function (open) {
    this.list.hidden = !open;
    this.button.setAttribute("aria-expanded", String(open));
    if (open) {
      var checked = this.list.querySelector("[aria-checked=true]") || this.items()[0];
      if (checked) {
        checked.focus();
      }
    }
  };

  Menu.prototype.onKey = function (event) {
    var items = this.items();
    var index = items.indexOf(document.activeElement);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      var step = event.key === "ArrowDown" ? 1 : -1;
      items[(index + step + items.length) % items.length].focus();
    } else if (event.key === "Escape") {
      this.toggle(false);
      this.button.focus();
    } else if (event.key === "Tab") {
      this.toggle(false);
      return;
    } else {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
  };

  Menu.prototype.check = function (value) {
    this.items().forEach(function (item) {
      item.setAttribute("aria-checked", String(item.getAttribute("data-value") === String(value)));
    });
  };

  // --- The player ----------------------------------------------------------------------------------

  function Player(root) {
    this.root = root;
    this.video = root.querySelector("video");
    this.config = JSON.parse(root.querySelector("script[type='application/json']").textContent);
    this.text = root.dataset;
    this.seekBar = root.querySelector(".player__seek");
    this.preview = root.querySelector(".player__preview");
    this.storyboard = [];
    this.hls = null;
    this.started = false; // the first play() asks for the media: nothing is fetched on page view
    this.manifestReady = false;
    this.startAt = 0;
    this.lastSaved = 0;
    this.lastRefresh = 0;
    this.refreshing = false;
    this.mediaRecoveries = 0;
    this.dragging = false;
    this.warmed = false;
    this.menus = {};
  }

  Player.prototype.init = function () {
    var video = this.video;
    Array.prototype.forEach.call(video.querySelectorAll("source"), function (source) {
      source.remove();
    });
    var useHls = Boolean(window.Hls && window.Hls.isSupported());
    if (!useHls && !video.canPlayType(HLS_MIME)) {
      this.root.querySelector(".player__message p").textContent = this.text.textUnsupported;
      this.root.querySelector(".player__message-button").hidden = true;
      this.showMessage(true);
      return;
    }
    video.controls = false;
    this.root.querySelector(".player__bar").hidden = false;
    this.root.classList.add("is-enhanced");
    this.bindControls();
    this.bindMenus();
    this.bindSeekBar();
    this.bindKeys();
    this.bindMediaEvents();
    var serverPosition = this.config.resumeAt;
    this.offerResume(typeof serverPosition === "number" ? serverPosition : readPosition(this.config.videoId));
    if (useHls) {
      this.attachHls(this.config.master);
    } else {
      this.attachNative(this.config.master);
    }
    this.loadStoryboard(this.config.storyboard);
    this.update();
  };

  // Media sources -------------------------------------------------------------------------------

  Player.prototype.attachHls = function (master) {
    var player = this;
    var Hls = window.Hls;
    var hls = new Hls({ autoStartLoad: false, capLevelToPlayerSize: true });
    this.hls = hls;
    this.video.hls = hls; // for tests and for whoever debugs in the console
    hls.on(Hls.Events.MANIFEST_PARSED, function () {
      player.manifestReady = true;
      player.buildQualityMenu();
      if (player.started) {
        hls.startLoad(player.startAt);
      }
    });
    hls.on(Hls.Events.LEVEL_SWITCHED, function () { player.updateQuality(); });
    hls.on(Hls.Events.ERROR, function (event, data) { player.onHlsError(data); });
    hls.loadSource(master);
    hls.attachMedia(this.video);
  };

  Player.prototype.attachNative = function (master) {
    var player = this;
    var video = this.video;
    video.preload = "metadata";
    video.addEventListener("loadedmetadata", function () {
      if (player.startAt > 0) {
        video.currentTime = player.startAt;
      }
    }, { once: true });
    video.src = master;
  };

  Player.prototype.begin = function () {
    if (this.started) {
      return;
    }
    this.started = true;
    this.root.classList.add("is-started");
    if (this.hls && this.manifestReady) {
      this.hls.startLoad(this.startAt);
    }
  };

  function tokenOf(url) {
    var match = /\/media-play\/([^/]+)\//.exec(url || "");
    return match ? match[1] : "";
  }

  Player.prototype.onHlsError = function (data) {
    var Hls = window.Hls;
    if (data.response && data.response.code === 403) {
      var url = (data.frag && data.frag.url) || (data.context && data.context.url) || data.url;
      if (tokenOf(url) === tokenOf(this.config.master)) {
        this.refreshSources(); // the signed URLs ran out: a long pause, a long lesson
      }
      return; // otherwise a late answer to a URL we have already replaced
    }
    if (!data.fatal) {
      return;
    }
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR && this.mediaRecoveries < 2) {
      this.mediaRecoveries += 1;
      this.hls.recoverMediaError();
      return;
    }
    this.showMessage(true);
  };

  Player.prototype.refreshSources = function () {
    var player = this;
    if (this.refreshing) {
      return;
    }
    if (Date.now() - this.lastRefresh < REFRESH_MIN_INTERVAL) {
      this.showMessage(true); // fresh URLs were refused too: not a matter of time
      return;
    }
    this.refreshing = true;
    this.lastRefresh = Date.now();
    var resumeAt = this.video.currentTime;
    var wasPlaying = !this.video.paused;
    window.fetch(this.config.sourcesUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("sources: " + response.status);
        }
        return response.json();
      })
      .then(function (sources) {
        player.config.master = sources.master;
        player.loadStoryboard(sources.storyboard);
        player.startAt = resumeAt;
        if (player.hls) {
          player.manifestReady = false;
          player.hls.loadSource(sources.master);
        } else {
          player.attachNative(sources.master);
        }
        if (wasPlaying) {
          player.play();
        }
      })
      .catch(function () {
        player.showMessage(true);
      })
      .then(function () {
        player.refreshing = false;
      });
  };

  Player.prototype.retry = function () {
    this.showMessage(false);
    this.lastRefresh = 0;
    this.mediaRecoveries = 0;
    this.refreshSources();
  };

  Player.prototype.showMessage = function (show) {
    this.root.querySelector(".player__message").hidden = !show;
    this.root.classList.toggle("has-message", show);
    if (show) {
      this.root.querySelector(".player__spinner").hidden = true;
    }
  };

  // Playing -----------------------------------------------------------------------------------------

  Player.prototype.duration = function () {
    var duration = this.video.duration;
    return isFinite(duration) && duration > 0 ? duration : this.config.duration || 0;
  };

  Player.prototype.position = function () {
    return this.started ? this.video.currentTime : this.startAt;
  };

  Player.prototype.play = function () {
    this.begin();
    var promise = this.video.play();
    if (promise && promise.catch) {
      promise.catch(function () {}); // refused autoplay or interrupted by a pause: the button stays
    }
  };

  Player.prototype.togglePlay = function () {
    if (this.video.paused || this.video.ended) {
      this.play();
    } else {
      this.video.pause();
    }
  };

  Player.prototype.seekTo = function (seconds) {
    var target = clamp(seconds, 0, Math.max(0, this.duration() - 0.1));
    if (this.started) {
      this.video.currentTime = target;
    } else {
      this.startAt = target; // loaded from there on the first play
    }
    this.update();
  };

  Player.prototype.toggleMute = function () {
    this.video.muted = !this.video.muted;
  };

  Player.prototype.isFullscreen = function () {
    return (document.fullscreenElement || document.webkitFullscreenElement) === this.root;
  };

  Player.prototype.toggleFullscreen = function () {
    var root = this.root;
    if (this.isFullscreen()) {
      (document.exitFullscreen || document.webkitExitFullscreen).call(document);
    } else if (root.requestFullscreen) {
      root.requestFullscreen().then(lockLandscape, function () {});
    } else if (root.webkitRequestFullscreen) {
      root.webkitRequestFullscreen();
    } else if (this.video.webkitEnterFullscreen) {
      this.video.webkitEnterFullscreen(); // iPhone: only the video itself goes full screen
    }
  };

  function lockLandscape() {
    var orientation = window.screen && window.screen.orientation;
    if (orientation && orientation.lock && window.matchMedia("(pointer: coarse)").matches) {
      orientation.lock("landscape").catch(function () {});
    }
  }

  // Resuming --------------------------------------------------------------------------------------

  Player.prototype.offerResume = function (saved) {
    var duration = this.duration();
    var nearEnd = duration && saved > duration - Math.min(RESUME_END_MARGIN, duration / 10);
    if (!(saved >= RESUME_MIN) || nearEnd) {
      return;
    }
    this.startAt = saved;
    var text = this.root.querySelector(".player__resume-text");
    text.textContent = text.getAttribute("data-template").replace("{time}", formatTime(saved));
    this.root.querySelector(".player__resume").hidden = false;
  };

  Player.prototype.startOver = function () {
    writePosition(this.config.videoId, 0);
    this.root.querySelector(".player__resume").hidden = true;
    this.seekTo(0);
    this.play();
  };

  Player.prototype.savePosition = function (force) {
    if (!this.started) {
      return;
    }
    var now = this.video.currentTime;
    if (force || Math.abs(now - this.lastSaved) >= SAVE_EVERY) {
      this.lastSaved = now;
      writePosition(this.config.videoId, now >= RESUME_MIN ? now : 0);
    }
  };

  // Wiring ----------------------------------------------------------------------------------------

  Player.prototype.bindControls = function () {
    var player = this;
    var actions = {
      "play": function () { player.play(); },
      "toggle-play": function () { player.togglePlay(); },
      "toggle-mute": function () { player.toggleMute(); },
      "toggle-fullscreen": function () { player.toggleFullscreen(); },
      "start-over": function () { player.startOver(); },
      "retry": function () { player.retry(); },
    };
    this.root.addEventListener("click", function (event) {
      var button = event.target.closest("[data-action]");
      if (button && actions[button.getAttribute("data-action")]) {
        actions[button.getAttribute("data-action")]();
      }
    });
    this.video.addEventListener("click", function () { player.togglePlay(); });
    this.video.addEventListener("dblclick", function () { player.toggleFullscreen(); });
    document.addEventListener("click", function (event) {
      Object.keys(player.menus).forEach(function (name) {
        if (!player.menus[name].root.contains(event.target)) {
          player.menus[name].toggle(false);
        }
      });
    });
  };

  Player.prototype.bindMenus = function () {
    var player = this;
    var video = this.video;
    var speed = this.root.querySelector("[data-menu=speed]");
    this.menus.speed = new Menu(speed, function (value) {
      video.playbackRate = video.defaultPlaybackRate = parseFloat(value);
    });
    var quality = this.root.querySelector("[data-menu=quality]");
    this.menus.quality = new Menu(quality, function (value) {
      if (player.hls) {
        player.hls.currentLevel = parseInt(value, 10);
        player.updateQuality();
      }
    });
    var captions = this.root.querySelector("[data-menu=captions]");
    if (captions) {
      this.menus.captions = new Menu(captions, function (value) { player.showCaptions(value); });
    }
  };

  Player.prototype.buildQualityMenu = function () {
    var levels = this.hls.levels;
    var menu = this.menus.quality;
    if (levels.length < 2) {
      return;
    }
    var order = levels.map(function (level, index) { return index; });
    order.sort(function (a, b) { return levels[b].bitrate - levels[a].bitrate; });
    var items = [{ value: -1, label: this.text.textAuto }].concat(order.map(function (index) {
      return { value: index, label: levelLabel(levels[index]) };
    }));
    menu.list.textContent = "";
    items.forEach(function (entry) {
      var item = document.createElement("li");
      item.setAttribute("role", "none");
      var button = document.createElement("button");
      button.type = "button";
      button.setAttribute("role", "menuitemradio");
      button.setAttribute("data-value", String(entry.value));
      button.textContent = entry.label;
      item.appendChild(button);
      menu.list.appendChild(item);
    });
    menu.root.hidden = false;
    this.updateQuality();
  };

  // Rungs are named by the short side, so a portrait 720×1280 video is "720p" too.
  function levelLabel(level) {
    var side = level.width && level.height ? Math.min(level.width, level.height) : level.height;
    return side ? side + "p" : Math.round(level.bitrate / 1000) + " kbps";
  }

  Player.prototype.updateQuality = function () {
    var hls = this.hls;
    var menu = this.menus.quality;
    if (!hls || !hls.levels.length) {
      return;
    }
    var auto = hls.autoLevelEnabled;
    var playing = hls.levels[hls.currentLevel];
    menu.check(auto ? -1 : hls.currentLevel);
    menu.button.textContent = auto || !playing ? this.text.textAuto : levelLabel(playing);
    var autoItem = menu.list.querySelector("[data-value='-1']");
    if (autoItem) {
      autoItem.textContent = this.text.textAuto + (auto && playing ? " · " + levelLabel(playing) : "");
    }
  };

  Player.prototype.showCaptions = function (value) {
    var tracks = this.video.querySelectorAll("track");
    Array.prototype.forEach.call(tracks, function (element, index) {
      element.track.mode = String(index) === value ? "showing" : "disabled";
    });
    this.menus.captions.check(value);
    this.menus.captions.button.classList.toggle("is-on", value !== "off");
  };

  Player.prototype.bindSeekBar = function () {
    var player = this;
    var bar = this.seekBar;
    bar.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) {
        return;
      }
      player.dragging = true;
      bar.setPointerCapture(event.pointerId);
      player.scrub(event.clientX);
      event.preventDefault();
    });
    bar.addEventListener("pointermove", function (event) {
      if (player.dragging) {
        player.scrub(event.clientX);
      } else if (event.pointerType === "mouse") {
        player.showPreview(player.fractionAt(event.clientX));
      }
    });
    var finish = function (event) {
      if (!player.dragging) {
        return;
      }
      player.dragging = false;
      player.seekTo(player.fractionAt(event.clientX) * player.duration());
      if (event.pointerType !== "mouse") {
        player.hidePreview();
      }
    };
    bar.addEventListener("pointerup", finish);
    bar.addEventListener("pointercancel", function () {
      player.dragging = false;
      player.hidePreview();
      player.update();
    });
    bar.addEventListener("pointerleave", function () {
      if (!player.dragging) {
        player.hidePreview();
      }
    });
    bar.addEventListener("pointerenter", function () { player.warmStoryboard(); });
  };

  Player.prototype.fractionAt = function (clientX) {
    var rect = this.seekBar.getBoundingClientRect();
    return rect.width ? clamp((clientX - rect.left) / rect.width, 0, 1) : 0;
  };

  Player.prototype.scrub = function (clientX) {
    var fraction = this.fractionAt(clientX);
    this.showPreview(fraction);
    this.drawProgress(fraction);
  };

  Player.prototype.bindKeys = function () {
    var player = this;
    var onKey = function (event) { player.onKey(event); };
    this.root.addEventListener("keydown", onKey);
    if (document.querySelector("[data-video-player]") === this.root) {
      // Keys pressed with nothing focused go to the first player on the page.
      document.addEventListener("keydown", function (event) {
        if (event.target === document.body || event.target === document.documentElement) {
          onKey(event);
        }
      });
    }
  };

  Player.prototype.onKey = function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    var onButton = event.target.tagName === "BUTTON";
    switch (event.key) {
      case " ":
      case "k":
      case "K":
        if (onButton && event.key === " ") {
          return; // space presses the focused button
        }
        this.togglePlay();
        break;
      case "ArrowLeft":
        this.seekTo(this.position() - SEEK_STEP);
        break;
      case "ArrowRight":
        this.seekTo(this.position() + SEEK_STEP);
        break;
      case "Home":
      case "End":
        if (event.target !== this.seekBar) {
          return;
        }
        this.seekTo(event.key === "Home" ? 0 : this.duration());
        break;
      case "f":
      case "F":
        this.toggleFullscreen();
        break;
      case "m":
      case "M":
        this.toggleMute();
        break;
      default:
        return;
    }
    event.preventDefault();
  };

  Player.prototype.bindMediaEvents = function () {
    var player = this;
    var video = this.video;
    var spinner = this.root.querySelector(".player__spinner");
    var update = function () { player.update(); };
    ["timeupdate", "durationchange", "progress", "seeking", "seeked", "play", "pause", "ended",
      "volumechange", "ratechange", "loadedmetadata"].forEach(function (name) {
      video.addEventListener(name, update);
    });
    video.addEventListener("play", function () { player.begin(); });
    video.addEventListener("waiting", function () { spinner.hidden = !player.started; });
    ["playing", "pause", "seeked", "canplay", "error"].forEach(function (name) {
      video.addEventListener(name, function () { spinner.hidden = true; });
    });
    video.addEventListener("playing", function () {
      player.showMessage(false);
      window.setTimeout(function () {
        player.root.querySelector(".player__resume").hidden = true;
      }, 8000);
    });
    video.addEventListener("timeupdate", function () { player.savePosition(false); });
    video.addEventListener("pause", function () { player.savePosition(true); });
    video.addEventListener("ended", function () { writePosition(player.config.videoId, 0); });
    video.addEventListener("error", function () {
      if (!player.hls && player.started) {
        player.refreshSources(); // native HLS: most likely the signed URLs ran out
      }
    });
    window.addEventListener("pagehide", function () { player.savePosition(true); });
    document.addEventListener("fullscreenchange", update);
    document.addEventListener("webkitfullscreenchange", update);
  };

  // Drawing ---------------------------------------------------------------------------------------

  Player.prototype.update = function () {
    var video = this.video;
    var root = this.root;
    var text = this.text;
    var paused = video.paused || video.ended;
    root.classList.toggle("is-playing", !paused);
    root.classList.toggle("is-muted", video.muted);
    root.classList.toggle("is-fullscreen", this.isFullscreen());
    root.querySelector(".player__play").setAttribute("aria-label", paused ? text.textPlay : text.textPause);
    root.querySelector(".player__mute").setAttribute("aria-label", video.muted ? text.textUnmute : text.textMute);
    root.querySelector(".player__fullscreen").setAttribute(
      "aria-label", this.isFullscreen() ? text.textExitFullscreen : text.textFullscreen
    );
    root.querySelector(".player__big-play").hidden = !paused || this.dragging || root.classList.contains("has-message");
    var rate = video.playbackRate;
    this.menus.speed.check(rate);
    this.menus.speed.button.textContent = rate === 1 ? text.textSpeed : rate + "×";
    root.querySelector(".player__duration").textContent = formatTime(this.duration());
    if (!this.dragging) {
      this.drawProgress(this.duration() ? this.position() / this.duration() : 0);
    }
    this.drawBuffered();
  };

  Player.prototype.drawProgress = function (fraction) {
    var seconds = fraction * this.duration();
    var percent = (fraction * 100).toFixed(3) + "%";
    this.root.querySelector(".player__played").style.width = percent;
    this.root.querySelector(".player__thumb").style.left = percent;
    this.root.querySelector(".player__current").textContent = formatTime(seconds);
    this.seekBar.setAttribute("aria-valuemax", String(Math.floor(this.duration())));
    this.seekBar.setAttribute("aria-valuenow", String(Math.floor(seconds)));
    this.seekBar.setAttribute("aria-valuetext", formatTime(seconds) + " / " + formatTime(this.duration()));
  };

  Player.prototype.drawBuffered = function () {
    var video = this.video;
    var end = 0;
    for (var i = 0; i < video.buffered.length; i += 1) {
      if (video.buffered.start(i) <= video.currentTime + 0.5) {
        end = Math.max(end, video.buffered.end(i));
      }
    }
    var fraction = this.duration() ? clamp(end / this.duration(), 0, 1) : 0;
    this.root.querySelector(".player__buffered").style.width = (fraction * 100).toFixed(3) + "%";
  };

  // Storyboard previews ---------------------------------------------------------------------------

  Player.prototype.loadStoryboard = function (url) {
    var player = this;
    if (!url || !window.fetch) {
      return;
    }
    window.fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("storyboard: " + response.status);
        }
        return response.text();
      })
      .then(function (text) {
        player.storyboard = parseStoryboard(text, new URL(url, window.location.href).href);
        player.warmed = false;
      })
      .catch(function () {
        player.storyboard = []; // previews then show the time only
      });
  };

  Player.prototype.warmStoryboard = function () {
    if (!this.warmed && this.storyboard.length) {
      this.warmed = true;
      new Image().src = this.storyboard[0].url; // the sprite, so the first preview is not blank
    }
  };

  Player.prototype.cueAt = function (seconds) {
    var cues = this.storyboard;
    for (var i = 0; i < cues.length; i += 1) {
      if (seconds >= cues[i].start && seconds < cues[i].end) {
        return cues[i];
      }
    }
    return cues.length ? cues[cues.length - 1] : null;
  };

  Player.prototype.showPreview = function (fraction) {
    var seconds = fraction * this.duration();
    var cue = this.cueAt(seconds);
    var image = this.preview.querySelector(".player__preview-image");
    image.hidden = !cue;
    if (cue) {
      image.style.backgroundImage = "url(\"" + cue.url.replace(/"/g, "%22") + "\")";
      image.style.backgroundPosition = -cue.x + "px " + -cue.y + "px";
      image.style.width = cue.w + "px";
      image.style.height = cue.h + "px";
    }
    this.preview.querySelector(".player__preview-time").textContent = formatTime(seconds);
    this.preview.hidden = false;
    var width = this.preview.offsetWidth;
    var barWidth = this.seekBar.clientWidth;
    var left = clamp(fraction * barWidth - width / 2, 0, Math.max(0, barWidth - width));
    this.preview.style.transform = "translateX(" + left + "px)";
  };

  Player.prototype.hidePreview = function () {
    this.preview.hidden = true;
  };

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-video-player]"), function (root) {
      if (root.getAttribute("data-player-ready") === null) {
        root.setAttribute("data-player-ready", "");
        new Player(root).init();
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
