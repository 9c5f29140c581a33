// Progressive enhancement for Rapport. Every page works without this file.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // htmx requests carry the CSRF token in a header (CSRFProtect accepts X-CSRFToken).
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
    // Filter forms leave out empty fields, so the pushed URL stays short and shareable.
    var elt = event.detail.elt;
    if (event.detail.verb === "get" && elt.closest && elt.closest("[data-drop-empty]")) {
      var params = event.detail.parameters;
      Object.keys(params).forEach(function (key) {
        if (params[key] === "") { delete params[key]; }
      });
    }
  });

  // A second click on a submit button while the first submission is on its way does
  // nothing; the server also ignores a repeated form through its idempotency key.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") {
      return;
    }
    if (form.dataset.submitting === "true") {
      event.preventDefault();
      return;
    }
    if (refusedFile(form)) {  // the server would refuse it too: send nothing
      event.preventDefault();
      return;
    }
    form.dataset.submitting = "true";
    form.querySelectorAll('button[type="submit"], button:not([type])').forEach(function (b) {
      b.setAttribute("aria-disabled", "true");
      b.classList.add("is-busy");
    });
  }, true);

  function release(form) {
    if (!form) { return; }
    delete form.dataset.submitting;
    form.querySelectorAll(".is-busy").forEach(function (b) {
      b.removeAttribute("aria-disabled");
      b.classList.remove("is-busy");
    });
  }

  // A form whose file field already said no is not sent (htmx sends forms itself, so
  // its request is stopped too); the field gets the focus, its message next to it.
  function refusedFile(form) {
    var refused = form && form.querySelector &&
      form.querySelector("input[type=file][data-refused]");
    if (refused) { refused.focus(); }
    return Boolean(refused);
  }

  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail.elt;
    if (refusedFile(elt instanceof HTMLFormElement ? elt : elt.closest && elt.closest("form"))) {
      event.preventDefault();
    }
  });

  // A file field says at once when a file is too big or there are too many, before
  // anything is uploaded; the server checks again either way.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file" ||
        !input.dataset.maxBytes) {
      return;
    }
    var most = Number(input.dataset.maxFiles);
    var problems = [];
    if (most && input.files.length > most) {
      problems.push("Please attach at most " + most + " files at a time.");
    }
    Array.prototype.forEach.call(input.files, function (file) {
      if (file.size > Number(input.dataset.maxBytes)) {
        problems.push("\u201c" + file.name + "\u201d is too big: each file can be up to " +
                      input.dataset.maxSize + ".");
      }
    });
    var note = document.getElementById(input.id + "-check");
    if (note) {
      note.textContent = problems.join(" ");
      note.hidden = problems.length === 0;
    }
    if (problems.length) {
      input.setAttribute("data-refused", "");
      input.setAttribute("aria-invalid", "true");
    } else {
      input.removeAttribute("data-refused");
      input.removeAttribute("aria-invalid");
    }
  });

  // htmx-driven forms stay on the page, so release them when the answer arrives.
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    release(elt instanceof HTMLFormElement ? elt : elt.closest && elt.closest("form"));
  });

  // The board's side panel closes in place; without JavaScript the link goes back.
  document.addEventListener("click", function (event) {
    var close = event.target.closest && event.target.closest("[data-close-panel]");
    var panel = document.getElementById("panel");
    if (close && panel && panel.contains(close)) {
      event.preventDefault();
      panel.innerHTML = "";
    }
  });

  // Escape closes the side panel too.
  document.addEventListener("keydown", function (event) {
    var panel = document.getElementById("panel");
    if (event.key === "Escape" && panel && panel.children.length) {
      panel.innerHTML = "";
    }
  });

  // Escape hides a glossary explanation that hover or focus opened; it comes back when the
  // pointer or focus leaves the word and returns (content on hover stays dismissible).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    document.querySelectorAll(".jargon:hover, .jargon:focus-within").forEach(function (word) {
      word.classList.add("is-dismissed");
    });
  });
  ["focusout", "mouseleave"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var word = event.target.closest && event.target.closest(".jargon");
      if (word && !word.contains(event.relatedTarget)) { word.classList.remove("is-dismissed"); }
    }, true);
  });

  // "Copy" buttons appear only when this script runs; without it the text is selectable.
  function showCopyButtons(root) {
    root.querySelectorAll("[data-copy][hidden]").forEach(function (b) { b.hidden = false; });
  }
  document.addEventListener("DOMContentLoaded", function () { showCopyButtons(document); });
  document.addEventListener("htmx:afterSettle", function () { showCopyButtons(document); });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    var field = button && document.getElementById(button.getAttribute("data-copy"));
    if (!field) { return; }
    field.select();
    var done = function () { button.textContent = "Copied"; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {});
    }
  });

  // Pages restored from the back/forward cache get usable buttons again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll('form[data-submitting="true"]').forEach(release);
  });
})();
