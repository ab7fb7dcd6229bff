// Posts the upload form with XMLHttpRequest: a real progress bar, and the server's message shown
// in place when the video is refused. Without this script the form posts as usual.
(() => {
  "use strict";

  const form = document.querySelector("[data-video-upload]");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;

  const fileInput = form.querySelector('input[type="file"]');
  const titleInput = form.querySelector('input[name="title"]');
  const progress = form.querySelector("[data-upload-progress]");
  const bar = form.querySelector("[data-upload-bar]");
  const label = form.querySelector("[data-upload-label]");
  const errorBox = form.querySelector("[data-upload-error]");
  const errorText = form.querySelector("[data-upload-error-text]");
  const submit = form.querySelector("[data-upload-submit]");
  const cancel = form.querySelector("[data-upload-cancel]");
  const text = form.dataset;
  let request = null;

  const megabytes = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

  function showError(message) {
    errorText.textContent = message;
    errorBox.hidden = false;
  }

  function setBusy(busy) {
    submit.disabled = busy;
    cancel.hidden = !busy;
    fileInput.disabled = busy;
    window.onbeforeunload = busy ? () => true : null;
  }

  function finish() {
    request = null;
    setBusy(false);
  }

  function showProgress(loaded, total) {
    const percent = total ? Math.floor((loaded / total) * 100) : 0;
    bar.value = percent;
    label.textContent = `${text.msgUploading} ${percent}% (${megabytes(loaded)} / ${megabytes(total)})`;
  }

  fileInput.addEventListener("change", () => {
    errorBox.hidden = true;
    const file = fileInput.files[0];
    if (!file) return;
    if (titleInput && !titleInput.value.trim()) {
      titleInput.value = file.name.replace(/\.[^.]+$/, "");
    }
    if (file.size > Number(text.maxBytes)) showError(text.msgTooLarge);
  });

  cancel.addEventListener("click", () => {
    if (request) request.abort();
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (request) return;
    errorBox.hidden = true;
    const file = fileInput.files[0];
    if (!file) return showError(text.msgNoFile);
    if (file.size > Number(text.maxBytes)) return showError(text.msgTooLarge);

    const data = new FormData(form); // read before the file input is disabled
    request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("Accept", "application/json");
    request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    request.upload.onprogress = (progressEvent) => {
      if (progressEvent.lengthComputable) showProgress(progressEvent.loaded, progressEvent.total);
    };
    request.upload.onload = () => {
      bar.removeAttribute("value"); // indeterminate while the server checks the video
      label.textContent = text.msgChecking;
    };
    request.onload = () => {
      let answer = null;
      try {
        answer = JSON.parse(request.responseText);
      } catch (error) {
        answer = null;
      }
      if (request.status === 200 && answer && answer.success) {
        window.onbeforeunload = null;
        window.location.assign(answer.url);
        return;
      }
      progress.hidden = true;
      showError((answer && answer.error_message) || text.msgFailed);
      finish();
    };
    request.onerror = () => {
      progress.hidden = true;
      showError(text.msgFailed);
      finish();
    };
    request.onabort = () => {
      progress.hidden = true;
      showError(text.msgCancelled);
      finish();
    };

    bar.value = 0;
    progress.hidden = false;
    showProgress(0, file.size);
    setBusy(true);
    request.send(data);
  });
})();
