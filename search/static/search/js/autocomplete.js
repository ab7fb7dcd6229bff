/* Suggestions for every search box (search/includes/search_box.html), loaded by the site header.

   Progressive enhancement: without this file each box is a plain GET form to /search/. With it the
   input becomes an ARIA 1.2 combobox whose listbox shows what /search/suggest/ returns while typing
   (after one CJK character or two Latin ones, debounced; a request still in flight is aborted when
   the next one starts). Up and Down move through the options, Enter picks the highlighted one,
   Escape closes the list. A "title" suggestion opens its page; a "term" fills the box and searches.
   The phone header's search <details> focuses its field when it opens. */
(function () {
  "use strict";

  var DEBOUNCE_MS = 180;
  var CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]/;
  var SVG = "http://www.w3.org/2000/svg";
  var count = 0;

  function longEnough(text) {
    return CJK.test(text) ? text.length >= 1 : text.length >= 2;
  }

  function icon(sprite, name, className) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "icon " + className);
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var use = document.createElementNS(SVG, "use");
    use.setAttribute("href", sprite + "#" + name);
    svg.appendChild(use);
    return svg;
  }

  function Autocomplete(input) {
    count += 1;
    this.input = input;
    this.form = input.form;
    this.url = input.getAttribute("data-autocomplete");
    this.sprite = input.getAttribute("data-autocomplete-sprite") || "";
    this.cache = {};
    this.items = [];
    this.active = -1;
    this.timer = null;
    this.controller = null;

    var id = (input.id || "search-box-" + count) + "-listbox";
    this.list = document.createElement("ul");
    this.list.id = id;
    this.list.className = "autocomplete";
    this.list.setAttribute("role", "listbox");
    this.list.setAttribute("aria-label", input.getAttribute("data-autocomplete-label") || "");
    this.list.hidden = true;
    this.status = document.createElement("span");
    this.status.className = "visually-hidden";
    this.status.setAttribute("role", "status");
    input.parentNode.appendChild(this.list);
    input.parentNode.appendChild(this.status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id);

    var self = this;
    input.addEventListener("input", function () { self.schedule(); });
    input.addEventListener("keydown", function (event) { self.keydown(event); });
    input.addEventListener("blur", function () { self.close(); });
    input.addEventListener("focus", function () {
      if (self.items.length && self.input.value.trim() === self.shown) {
        self.open();
      }
    });
    // Keep the focus in the input while an option is clicked or tapped.
    this.list.addEventListener("mousedown", function (event) { event.preventDefault(); });
    this.list.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) {
        self.choose(Number(option.getAttribute("data-index")));
      }
    });
  }

  Autocomplete.prototype.schedule = function () {
    var text = this.input.value.trim();
    clearTimeout(this.timer);
    if (!longEnough(text)) {
      this.abort();
      this.render([], "");
      return;
    }
    if (Object.prototype.hasOwnProperty.call(this.cache, text)) {
      this.render(this.cache[text], text);
      return;
    }
    var self = this;
    this.timer = setTimeout(function () { self.fetch(text); }, DEBOUNCE_MS);
  };

  Autocomplete.prototype.abort = function () {
    if (this.controller) {
      this.controller.abort();
      this.controller = null;
    }
  };

  Autocomplete.prototype.fetch = function (text) {
    var self = this;
    this.abort();
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    this.controller = controller;
    window.fetch(this.url + "?q=" + encodeURIComponent(text), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal: controller ? controller.signal : undefined,
    })
      .then(function (response) {
        return response.ok ? response.json() : { suggestions: [] };
      })
      .then(function (data) {
        var items = (data && data.suggestions) || [];
        self.cache[text] = items;
        if (self.input.value.trim() === text && document.activeElement === self.input) {
          self.render(items, text);
        }
      })
      .catch(function () { /* offline or aborted: the box still searches on Enter */ });
  };

  Autocomplete.prototype.render = function (items, text) {
    this.items = items;
    this.shown = text;
    this.active = -1;
    this.input.removeAttribute("aria-activedescendant");
    this.list.textContent = "";
    if (!items.length) {
      this.close();
      return;
    }
    for (var i = 0; i < items.length; i += 1) {
      var item = items[i];
      var option = document.createElement("li");
      option.id = this.list.id + "-" + i;
      option.className = "autocomplete__option autocomplete__option--" + item.kind;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.setAttribute("data-index", String(i));
      if (this.sprite) {
        option.appendChild(icon(this.sprite, item.kind === "title" ? "book" : "search", "autocomplete__icon"));
      }
      var label = document.createElement("span");
      label.className = "autocomplete__text";
      label.textContent = item.text;
      option.appendChild(label);
      if (item.kind === "title" && this.sprite) {
        option.appendChild(icon(this.sprite, "chevron-right", "autocomplete__go"));
      }
      this.list.appendChild(option);
    }
    this.open();
    this.status.textContent = this.input.getAttribute("data-autocomplete-hint") || "";
  };

  Autocomplete.prototype.open = function () {
    this.list.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
  };

  Autocomplete.prototype.close = function () {
    this.list.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
    this.setActive(-1);
  };

  Autocomplete.prototype.isOpen = function () {
    return !this.list.hidden;
  };

  Autocomplete.prototype.setActive = function (index) {
    var options = this.list.children;
    for (var i = 0; i < options.length; i += 1) {
      var on = i === index;
      options[i].setAttribute("aria-selected", on ? "true" : "false");
      options[i].classList.toggle("is-active", on);
    }
    this.active = index;
    if (index >= 0 && options[index]) {
      this.input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      this.input.removeAttribute("aria-activedescendant");
    }
  };

  Autocomplete.prototype.move = function (step) {
    if (!this.items.length) {
      return;
    }
    if (!this.isOpen()) {
      this.open();
    }
    var next = this.active + step;
    if (next >= this.items.length) {
      next = 0;
    } else if (next < -1) {
      next = this.items.length - 1;
    }
    this.setActive(next); // -1: back in the text, nothing highlighted
  };

  Autocomplete.prototype.keydown = function (event) {
    if (event.isComposing) {
      return; // a Chinese IME is still composing: its keys are not ours
    }
    if (event.key === "ArrowDown" || event.key === "Down") {
      event.preventDefault();
      this.move(1);
    } else if (event.key === "ArrowUp" || event.key === "Up") {
      event.preventDefault();
      this.move(-1);
    } else if (event.key === "Enter") {
      if (this.isOpen() && this.active >= 0) {
        event.preventDefault();
        this.choose(this.active);
      } else {
        this.close();
      }
    } else if (event.key === "Escape" || event.key === "Esc") {
      if (this.isOpen()) {
        event.preventDefault();
        event.stopPropagation(); // only the list closes, not the menu around the box
        this.close();
      }
    } else if (event.key === "Tab") {
      this.close();
    }
  };

  Autocomplete.prototype.choose = function (index) {
    var item = this.items[index];
    if (!item) {
      return;
    }
    this.close();
    if (item.kind === "title" && item.url) {
      window.location.assign(item.url);
      return;
    }
    this.input.value = item.text;
    if (typeof this.form.requestSubmit === "function") {
      this.form.requestSubmit();
    } else {
      this.form.submit();
    }
  };

  function init() {
    var inputs = document.querySelectorAll("input[data-autocomplete]");
    for (var i = 0; i < inputs.length; i += 1) {
      if (!inputs[i].hasAttribute("role") && typeof window.fetch === "function") {
        new Autocomplete(inputs[i]); // eslint-disable-line no-new
      }
    }
    var toggles = document.querySelectorAll("details[data-search-toggle]");
    Array.prototype.forEach.call(toggles, function (toggle) {
      toggle.addEventListener("toggle", function () {
        var field = toggle.querySelector("input[type=search]");
        if (toggle.open && field) {
          field.focus();
        }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
