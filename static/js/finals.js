// The finals view: keyboard-first entry of final marks, each saved when its cell is left (journal:save_final).
// Plain JavaScript, no framework. Saves run one after another, so a mark's version is always fresh.
//
// Keys: 2–5 type a mark; "+" (or "=") takes the proposal shown in the cell and moves down;
// Enter on an empty cell that has a proposal takes it too; Enter and ↓ move down the column
// (the next student), ↑ up, ← → and Tab along the row; Escape brings back the saved value.
(function () {
  "use strict";
  const wrap = document.querySelector(".fm-wrap");
  const table = wrap && wrap.querySelector("table.fm");
  if (!table) return;
  const saveUrl = wrap.dataset.saveUrl;
  const course = wrap.dataset.course;
  const status = document.querySelector(".fm-status");
  // Read at each save: signing in again in place (static/js/session.js) changes the CSRF token.
  function token() {
    const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    return headers["X-CSRFToken"] || (document.querySelector("[name=csrfmiddlewaretoken]") || {}).value;
  }
  let queue = Promise.resolve();
  let reloading = false;

  const rows = () => Array.from(table.tBodies[0].rows);
  const inputOf = (tr, col) => tr && tr.querySelector('input.fm-input[data-col="' + col + '"]');

  function neighbour(input, dx, dy) {
    const tr = input.closest("tr");
    if (dy) {
      const all = rows();
      for (let i = all.indexOf(tr) + dy; i >= 0 && i < all.length; i += dy) {
        const next = inputOf(all[i], input.dataset.col);
        if (next) return next;
      }
      return null;
    }
    const inputs = Array.from(tr.querySelectorAll("input.fm-input"));
    return inputs[inputs.indexOf(input) + dx] || null;
  }

  function move(input, dx, dy) {
    const next = neighbour(input, dx, dy);
    if (next) next.focus();
    else input.blur(); // the last cell of the column: leave it, so it is saved
  }

  function show(input, message) {
    const td = input.closest("td");
    td.classList.toggle("is-error", !!message);
    td.classList.toggle("is-saved", !message);
    if (message) input.title = message; else input.removeAttribute("title");
    if (status) status.textContent = message || "";
  }

  table.addEventListener("focusin", function (e) {
    if (e.target.classList && e.target.classList.contains("fm-input")) e.target.select();
  });

  table.addEventListener("focusout", function (e) {
    const input = e.target;
    if (!input.classList || !input.classList.contains("fm-input")) return;
    const value = input.value.trim();
    if (value !== input.dataset.value) enqueue(input, value);
  });

  table.addEventListener("keydown", function (e) {
    const input = e.target;
    if (!input.classList || !input.classList.contains("fm-input") || e.ctrlKey || e.metaKey || e.altKey) return;
    const proposal = input.dataset.proposal;
    if (e.key === "+" || e.key === "=") {
      e.preventDefault();
      if (proposal) { input.value = proposal; move(input, 0, 1); }
      return;
    }
    let dx = 0, dy = 0;
    if (e.key === "Enter") {
      if (!input.value.trim() && proposal) input.value = proposal;
      dy = 1;
    } else if (e.key === "ArrowDown") dy = 1;
    else if (e.key === "ArrowUp") dy = -1;
    else if (e.key === "ArrowRight") dx = 1;
    else if (e.key === "ArrowLeft") dx = -1;
    else if (e.key === "Escape") { e.preventDefault(); input.value = input.dataset.value; input.select(); return; }
    else return; // Tab moves natively; the cell left is saved on focusout
    e.preventDefault();
    move(input, dx, dy);
  });

  function enqueue(input, value) {
    input.closest("td").classList.add("is-saving");
    queue = queue.then(function () { return save(input, value); });
  }

  function save(input, value) {
    const body = new FormData();
    body.append("course", course);
    body.append("student", input.dataset.student);
    body.append("kind", input.dataset.kind);
    body.append("period", input.dataset.period || "");
    body.append("value", value);
    body.append("version", input.dataset.version || "");
    // A session that ended meanwhile: sign in again in the dialog, then the same save (the queue waits).
    function options() {
      return { method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRFToken": token(), "X-Requested-With": "fetch" } };
    }
    const request = window.ejSession ? window.ejSession.send(saveUrl, options) : fetch(saveUrl, options());
    return request.then(function (r) {
      return r.json().catch(function () { return { ok: false, error: r.statusText }; });
    }).then(function (data) {
      input.closest("td").classList.remove("is-saving");
      if (data.ok) {
        input.dataset.value = data.value;
        input.dataset.version = data.version === null || data.version === undefined ? "" : data.version;
        if (document.activeElement !== input) input.value = data.value;
        show(input, "");
        if (data.locked && !reloading) {
          // The period's finals are complete: it is locked, so the page is shown again read-only.
          reloading = true;
          if (status) status.textContent = status.dataset.locked;
          queue.then(function () { window.location.reload(); });
        }
      } else if (data.value !== undefined) {
        // A conflict: the server's value wins on screen, the typed one is named in the message.
        input.dataset.value = data.value;
        input.dataset.version = data.version === null || data.version === undefined ? "" : data.version;
        input.value = data.value;
        show(input, data.error + " (" + value + ")");
      } else {
        input.value = input.dataset.value;
        show(input, data.error || (status && status.dataset.offline));
      }
    }).catch(function () {
      // Not saved (no network, or the sign-in dialog closed): the typed value stays in the field, marked.
      input.closest("td").classList.remove("is-saving");
      show(input, status ? status.dataset.offline : "Network error");
    });
  }
})();
