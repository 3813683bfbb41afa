// The article editor (console/kb/edit.html): on a new article the slug follows the title until it is
// typed in by hand; the preview pane shows the body as the help center will, rendered by the server
// (POST /console/kb/preview) a moment after typing stops. Older answers than the newest are dropped.
(function () {
  "use strict";

  const form = document.querySelector("[data-kb-editor]");
  if (!form) return;
  const body = form.querySelector("[data-kb-body]");
  const pane = form.querySelector("[data-kb-preview]");
  const status = form.querySelector("[data-kb-preview-status]");
  const url = form.getAttribute("data-preview-url");
  const token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  const DELAY_MS = 300;
  const IDLE = status.textContent;

  let timer = null;
  let latest = 0;

  // As app/services/kb_articles.slugify: accents dropped, anything else between words becomes "-".
  function slugify(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 120).replace(/-+$/, "");
  }

  const title = form.querySelector("[data-kb-title]");
  const slug = form.querySelector("[data-kb-slug-auto]");
  if (title && slug) {
    let typed = slug.value !== ""; // a translation arrives with its slug: leave it alone
    slug.addEventListener("input", function () { typed = slug.value !== ""; });
    title.addEventListener("input", function () { if (!typed) slug.value = slugify(title.value); });
  }

  function show(message, isError) {
    status.textContent = message;
    status.classList.toggle("is-error", Boolean(isError));
  }

  function refresh() {
    const number = ++latest;
    const data = new FormData();
    data.append("body", body.value);
    const options = {
      method: "POST", body: data, credentials: "same-origin", cache: "no-store",
      headers: { Accept: "application/json", "X-CSRFToken": token },
    };
    show("Updating…");
    fetch(url, options).then(function (response) {
      if (response.redirected || response.status === 401) {
        throw new Error("You are signed out: sign in again in another tab. Your text stays here.");
      }
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (!response.ok) {
          throw new Error((answer.error && answer.error.message) || "The preview failed (error " + response.status + ").");
        }
        return answer;
      });
    }, function () {
      throw new Error("No connection: the preview is not up to date.");
    }).then(function (answer) {
      if (number !== latest) return;
      // innerHTML only because this HTML is already safe: the server made it with
      // knowledge_base.rendering.render (Markdown with raw HTML off, then sanitised by nh3 to an
      // allow-list of tags, attributes and URL schemes), exactly what the help center shows.
      pane.innerHTML = answer.html;
      show(IDLE);
    }).catch(function (error) {
      if (number === latest) show(error.message, true);
    });
  }

  body.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, DELAY_MS);
  });
  if (body.value.trim()) refresh(); // after a refused save the pane shows the typed text, not the stored one
})();
