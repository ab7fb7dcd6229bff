// Export progress: asks the server every two seconds and moves the bar until the file is ready.
(function () {
    const box = document.querySelector("[data-export-status]");
    if (!box) return;
    const bar = box.querySelector(".report-progress__bar");
    const label = box.querySelector("[data-export-label]");
    const link = box.querySelector("[data-export-download]");
    const error = box.querySelector("[data-export-error]");
    async function poll() {
        let data;
        try {
            const response = await fetch(box.dataset.exportStatus, { headers: { Accept: "application/json" } });
            if (!response.ok) throw new Error(String(response.status));
            data = await response.json();
        } catch (e) {
            setTimeout(poll, 5000);
            return;
        }
        bar.style.width = data.percent + "%";
        box.querySelector(".report-progress").setAttribute("aria-valuenow", data.percent);
        label.textContent = data.status_label + (data.total ? " · " + data.done + " / " + data.total : "");
        if (data.download) {
            link.href = data.download;
            link.hidden = false;
        } else if (data.status === "failed") {
            error.textContent = data.error;
            error.hidden = false;
        } else {
            setTimeout(poll, 2000);
        }
    }
    poll();
})();
