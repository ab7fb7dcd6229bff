// Keeps the status tags of pending and transcoding videos current (the "live percentage"):
// every few seconds each such tag asks its status URL and redraws itself, until none is left.
(() => {
  "use strict";

  const ACTIVE = new Set(["pending", "processing"]);
  const INTERVAL_MS = 4000;
  let timer = null;

  const activeTags = () =>
    Array.from(document.querySelectorAll("[data-video-status-url]")).filter((tag) =>
      ACTIVE.has(tag.dataset.videoStatus),
    );

  function render(tag, data) {
    tag.dataset.videoStatus = data.status;
    tag.classList.forEach((name) => {
      if (name.startsWith("video-status--")) tag.classList.remove(name);
    });
    tag.classList.add(`video-status--${data.status}`);
    tag.style.setProperty("--percent", `${data.percent_done}%`);
    tag.textContent = data.label;
    if (data.failure_reason) tag.title = data.failure_reason;
    else tag.removeAttribute("title");

    const scope = tag.closest("[data-video-status-scope]");
    if (!scope) return;
    const failure = scope.querySelector("[data-video-failure]");
    if (failure) {
      failure.querySelector("[data-video-failure-text]").textContent = data.failure_reason;
      failure.hidden = !data.failure_reason;
    }
    const retry = scope.querySelector("[data-video-retry]");
    if (retry) retry.hidden = !data.retryable;
    const watch = scope.querySelector("[data-video-watch]");
    if (watch) watch.hidden = data.status !== "ready";
    const detailBox = scope.querySelector("[data-video-failure-detail-box]");
    if (detailBox && "failure_detail" in data) {
      scope.querySelector("[data-video-failure-detail]").textContent = data.failure_detail;
      detailBox.hidden = !data.failure_detail;
    }
  }

  async function refresh(tag) {
    try {
      const response = await fetch(tag.dataset.videoStatusUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (response.ok) render(tag, await response.json());
      else if (response.status === 403 || response.status === 404) tag.dataset.videoStatus = "gone";
    } catch (error) {
      // A network blip: the next round tries again.
    }
  }

  async function poll() {
    timer = null;
    if (!document.hidden) await Promise.all(activeTags().map(refresh));
    schedule();
  }

  function schedule() {
    if (timer === null && activeTags().length) timer = window.setTimeout(poll, INTERVAL_MS);
  }

  schedule();
  // The listing swaps in new results when it is filtered or searched.
  new MutationObserver(schedule).observe(document.body, { childList: true, subtree: true });
})();
