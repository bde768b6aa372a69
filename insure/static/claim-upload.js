// The claim's upload form (templates/claims/_documents.html) sent with a progress bar: the same multipart POST the
// form makes without scripts, through XMLHttpRequest so that upload progress can be shown. Done: the claim page
// the server redirects to is loaded. Refused (422, 409): the server's answer replaces the documents section, with
// its messages; nothing was stored.
"use strict";

(() => {
  const SECTION = "#documents";

  function bind(form) {
    if (!(form instanceof HTMLFormElement) || form.dataset.bound === "1") return;
    form.dataset.bound = "1";
    form.addEventListener("submit", (event) => {
      if (typeof XMLHttpRequest === "undefined" || typeof FormData === "undefined") return; // plain form post
      event.preventDefault();
      send(form);
    });
  }

  function send(form) {
    const bar = form.querySelector(".upload-progress");
    const status = form.querySelector(".upload-status");
    const button = form.querySelector("button[type=submit]");
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "text/html");
    if (bar) {
      bar.hidden = false;
      bar.value = 0;
    }
    if (button) button.disabled = true;
    xhr.upload.addEventListener("progress", (event) => {
      if (!event.lengthComputable) return;
      const percent = Math.round((event.loaded / event.total) * 100);
      if (bar) bar.value = percent;
      if (status) status.textContent = percent + " %";
    });
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        // the redirect was followed: show the page it led to (the claim, with its checklist)
        window.location.assign(xhr.responseURL || window.location.href);
        return;
      }
      // refused with the form again (422, 409): shown in place; anything else (413 too large, a server error)
      // leaves the form as it was with a short message
      if (!replaceSection(xhr.responseText)) failed();
    });
    xhr.addEventListener("error", failed);

    function failed() {
      if (button) button.disabled = false;
      if (bar) bar.hidden = true;
      if (status) status.textContent = form.dataset.failed || "×";
    }
    xhr.send(new FormData(form));
  }

  function replaceSection(html) {
    const fresh = new DOMParser().parseFromString(html, "text/html").querySelector(SECTION);
    const current = document.querySelector(SECTION);
    if (!fresh || !current) return false;
    current.replaceWith(document.adoptNode(fresh));
    document.querySelectorAll("form[data-claim-upload]").forEach(bind);
    return true;
  }

  document.querySelectorAll("form[data-claim-upload]").forEach(bind);
})();
