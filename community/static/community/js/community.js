/* Progressive enhancement for threads, notes and topic proposals. Without it: liking and voting
   submit a form and reload, quoting follows a link (?quote=N). With it: likes and votes update in
   place, quoting fills the reply box. */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var isVote = form.matches("form[data-vote]");
    if (!(isVote || form.matches("form[data-like]")) || !window.fetch) {
      return;
    }
    event.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "XMLHttpRequest" }
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        if (isVote) {
          button.classList.add("is-on");
          button.setAttribute("aria-pressed", "true");
          form.querySelector("[data-vote-count]").textContent = data.votes;
          form.querySelector(".vote__label").textContent = button.getAttribute("data-voted-label");
          button.setAttribute("data-done", "1");
          return;
        }
        button.classList.toggle("is-on", data.liked);
        button.setAttribute("aria-pressed", data.liked ? "true" : "false");
        form.querySelector("[data-like-count]").textContent = data.likes;
      })
      .catch(function () {
        form.submit(); // the page answers with its own message
      })
      .finally(function () {
        button.disabled = button.hasAttribute("data-done");
      });
  });

  var chip = document.querySelector("[data-quote-chip]");
  var field = document.querySelector("#reply input[name=quote]");
  var template = document.getElementById("quote-template");
  if (!chip || !field) {
    return;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-quote]");
    if (link) {
      event.preventDefault();
      field.value = link.getAttribute("data-quote");
      chip.querySelector("[data-quote-chip-text]").textContent = template.content.textContent
        .trim()
        .replace("__name__", link.getAttribute("data-quote-name"));
      chip.hidden = false;
      var box = document.querySelector("#reply textarea");
      box.scrollIntoView({ block: "center" });
      box.focus();
      return;
    }
    if (event.target.closest("[data-quote-remove]")) {
      event.preventDefault();
      field.value = "";
      chip.hidden = true;
    }
  });
})();
