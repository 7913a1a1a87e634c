// The mark grid: keyboard-first entry, each cell saved when it is left (journal:save_cell).
// Plain JavaScript, no framework. Saves run one after another, so a cell's version is always fresh.
(function () {
  "use strict";
  const wrap = document.querySelector(".jg-wrap");
  const table = wrap && wrap.querySelector("table.jg");
  if (!table) return;
  const saveUrl = wrap.dataset.saveUrl;
  const status = document.querySelector(".jg-status");
  // The CSRF token is read at each save: signing in again in place (static/js/session.js) changes it.
  function token() {
    const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    return headers["X-CSRFToken"] || (document.querySelector("[name=csrfmiddlewaretoken]") || {}).value;
  }
  let queue = Promise.resolve();
  let editing = null; // {td, input, before}

  const rows = () => Array.from(table.tBodies[0].rows);
  function cellAt(tr, col) { return tr && tr.querySelector('td.jg-cell[data-col="' + col + '"]'); }

  function neighbour(td, dx, dy) {
    let tr = td.parentElement;
    if (dy) {
      const all = rows();
      let i = all.indexOf(tr) + dy;
      for (; i >= 0 && i < all.length; i += dy) {
        const next = cellAt(all[i], td.dataset.col);
        if (next) return next;
      }
      return null;
    }
    const cells = Array.from(tr.querySelectorAll("td.jg-cell"));
    return cells[cells.indexOf(td) + dx] || null;
  }

  function move(td, dx, dy) {
    const next = neighbour(td, dx, dy);
    (next || td).focus();
  }

  // The input's name for screen readers, as the headers read: the student, the lesson's date, the work type.
  function cellLabel(td) {
    const name = td.parentElement.querySelector("th.jg-name");
    const date = table.querySelector('th.jg-date a[href$="/' + td.dataset.lesson + '/"]');
    const type = table.tHead.rows[2].cells[Number(td.dataset.col)];
    return [name && name.title, date && date.textContent, type && type.title].filter(Boolean).join(", ");
  }

  function startEdit(td, initial) {
    if (editing) finishEdit(true);
    const before = td.textContent;
    const input = document.createElement("input");
    input.type = "text";
    input.autocomplete = "off";
    input.setAttribute("autocapitalize", "characters");
    input.setAttribute("aria-label", cellLabel(td));
    input.value = initial === undefined ? before : initial;
    td.textContent = "";
    td.classList.remove("is-error", "is-saved");
    td.appendChild(input);
    editing = { td: td, input: input, before: before };
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
    input.addEventListener("keydown", onInputKey);
    input.addEventListener("blur", function () { if (editing && editing.input === input) finishEdit(true); });
  }

  function finishEdit(save) {
    const { td, input, before } = editing;
    editing = null;
    const value = input.value.trim();
    input.remove();
    td.textContent = save ? value : before;
    const saved = td.dataset.unsaved ? td.dataset.before : before;
    if (save && (value !== before || td.dataset.unsaved)) enqueue(td, value, saved);
  }

  function onInputKey(e) {
    const td = editing.td;
    const input = editing.input;
    const atStart = input.selectionStart === 0 && input.selectionEnd === 0;
    const atEnd = input.selectionStart === input.value.length;
    let dx = 0, dy = 0;
    if (e.key === "Enter" || e.key === "ArrowDown") dy = 1;
    else if (e.key === "ArrowUp") dy = -1;
    else if (e.key === "Tab") dx = e.shiftKey ? -1 : 1;
    else if (e.key === "ArrowRight" && atEnd) dx = 1;
    else if (e.key === "ArrowLeft" && atStart) dx = -1;
    else if (e.key === "Escape") { e.preventDefault(); finishEdit(false); td.focus(); return; }
    else return;
    e.preventDefault();
    finishEdit(true);
    move(td, dx, dy);
  }

  table.addEventListener("keydown", function (e) {
    const td = e.target.closest && e.target.closest("td.jg-cell");
    if (!td || e.target !== td || e.ctrlKey || e.metaKey || e.altKey) return;
    const keys = { ArrowRight: [1, 0], ArrowLeft: [-1, 0], ArrowDown: [0, 1], ArrowUp: [0, -1] };
    if (keys[e.key]) { e.preventDefault(); move(td, keys[e.key][0], keys[e.key][1]); }
    else if (e.key === "Tab") { const next = neighbour(td, e.shiftKey ? -1 : 1, 0); if (next) { e.preventDefault(); next.focus(); } }
    else if (e.key === "Enter" || e.key === "F2") { e.preventDefault(); startEdit(td); }
    else if (e.key === "Delete" || e.key === "Backspace") { e.preventDefault(); startEdit(td, ""); }
    else if (e.key.length === 1 && e.key !== " ") { e.preventDefault(); startEdit(td, e.key); }
  });

  // A tap (touch) or a click on the focused cell opens it for typing.
  table.addEventListener("pointerup", function (e) {
    const td = e.target.closest && e.target.closest("td.jg-cell");
    if (!td || (editing && editing.td === td)) return;
    if (e.pointerType === "touch" || document.activeElement === td) startEdit(td);
  });

  function enqueue(td, value, before) {
    td.classList.add("is-saving");
    queue = queue.then(function () { return save(td, value, before); });
  }

  function show(td, text, message) {
    td.textContent = text;
    td.classList.toggle("is-error", !!message);
    td.classList.toggle("is-saved", !message);
    if (message) td.title = message; else td.removeAttribute("title");
    if (status) status.textContent = message || "";
  }

  function save(td, value, before) {
    const body = new FormData();
    body.append("lesson", td.dataset.lesson);
    body.append("work", td.dataset.work || "");
    body.append("student", td.dataset.student);
    body.append("value", value);
    body.append("version", td.dataset.version === "0" ? "" : td.dataset.version);
    body.append("att_version", td.dataset.attVersion === "0" ? "" : td.dataset.attVersion);
    // A session that ended meanwhile: session.js asks to sign in again in place, then sends the save again;
    // the whole queue waits, so nothing typed after it is lost or saved out of order.
    function options() {
      return { method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRFToken": token(), "X-Requested-With": "fetch" } };
    }
    const request = window.ejSession ? window.ejSession.send(saveUrl, options) : fetch(saveUrl, options());
    return request.then(function (r) {
      // 503 (the database did not answer; ejournal/faults.py) or a proxy's 502/504: not saved, try again.
      const retry = r.status === 502 || r.status === 503 || r.status === 504;
      return r.json().catch(function () { return { ok: false, error: retry ? "" : r.statusText }; })
        .then(function (data) { data.retry = retry; return data; });
    }).then(function (data) {
      td.classList.remove("is-saving");
      delete td.dataset.unsaved;
      if (data.ok) {
        if (!td.dataset.work) {
          table.querySelectorAll('td.jg-cell[data-col="' + td.dataset.col + '"]').forEach(function (c) { c.dataset.work = data.work; });
        }
        td.dataset.version = data.version || 0;
        if (data.att_version !== null && data.att_version !== undefined) td.dataset.attVersion = data.att_version;
        show(td, data.display, "");
        const avg = table.querySelector('td[data-avg="' + td.dataset.student + '"]');
        if (avg) avg.textContent = data.average;
      } else if (data.display !== undefined) {
        // A conflict: the server's value wins on screen, the typed one is named in the message.
        if (data.version !== undefined && data.version !== null) td.dataset.version = data.version;
        if (data.att_version !== undefined && data.att_version !== null) td.dataset.attVersion = data.att_version;
        show(td, data.display, data.error + " (" + value + ")");
      } else if (data.retry) {
        unsaved(td, value, before, data.error);
      } else {
        show(td, before, data.error || status.dataset.offline);
      }
    }).catch(function () { unsaved(td, value, before); });
  }

  // Not saved (no network, the server could not save it now, or the sign-in dialog was closed): the typed
  // value stays on screen, marked, and is sent again when the cell is left next time.
  function unsaved(td, value, before, message) {
    td.classList.remove("is-saving");
    td.dataset.unsaved = "1";
    td.dataset.before = before;
    show(td, value, message || (status ? status.dataset.offline || "Network error" : "Network error"));
  }

  // "+" in a column header: the dialog with the work types of the school.
  const dialog = document.getElementById("jg-add");
  table.addEventListener("click", function (e) {
    const button = e.target.closest && e.target.closest(".jg-add");
    if (!button || !dialog) return;
    dialog.querySelector("[name=lesson]").value = button.dataset.lesson;
    dialog.showModal();
  });
  if (dialog) dialog.querySelector("[data-close]").addEventListener("click", function () { dialog.close(); });
})();
