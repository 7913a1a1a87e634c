// Signing in again in place (accounts/sessions.py): a request answered 401 with X-Signed-Out opens the
// sign-in dialog; the page and what was typed stay, and the request is sent again after sign-in.
// Also fills a form back in with what it posted after its session had ended (json "ej-kept-post"), and warns
// a staff page two minutes before its idle limit (dialog "ej-idle-warning").
(function () {
  "use strict";
  let pending = null;

  function headers() { return JSON.parse(document.body.getAttribute("hx-headers") || "{}"); }
  function csrf() {
    return headers()["X-CSRFToken"] || (document.querySelector("[name=csrfmiddlewaretoken]") || {}).value;
  }
  function setCsrf(token) {
    const h = headers();
    h["X-CSRFToken"] = token;
    document.body.setAttribute("hx-headers", JSON.stringify(h));
    document.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach(function (i) { i.value = token; });
  }
  function isSignedOut(response) {
    return response.status === 401 && response.headers.get("X-Signed-Out") === "1";
  }

  // Resolves once signed in again; rejects when the dialog is closed without signing in.
  function signIn() {
    const dialog = document.getElementById("ej-sign-in");
    if (!dialog) return Promise.reject(new Error("signed out"));
    if (pending) return pending;
    pending = new Promise(function (resolve, reject) {
      const form = dialog.querySelector("form");
      const error = form.querySelector(".errors");
      const code = form.querySelector("[data-code]");
      let done = false;
      function submit(e) {
        e.preventDefault();
        fetch(form.action, {
          method: "POST", body: new FormData(form), credentials: "same-origin",
          headers: { "X-CSRFToken": csrf(), "X-Requested-With": "fetch" },
        }).then(function (r) { return r.json(); }).then(function (data) {
          if (data.ok) {
            done = true;
            setCsrf(data.csrf);
            idle.schedule(data.idle_left);
            form.password.value = "";
            form.code.value = "";
            dialog.close();
            return;
          }
          error.textContent = data.error || "";
          error.hidden = false;
          if (data.need_code) { code.hidden = false; form.code.focus(); }
        }).catch(function () { error.textContent = "…"; error.hidden = false; });
      }
      function closed() {
        form.removeEventListener("submit", submit);
        dialog.removeEventListener("close", closed);
        pending = null;
        if (done) resolve(); else reject(new Error("signed out"));
      }
      form.addEventListener("submit", submit);
      dialog.addEventListener("close", closed);
      form.querySelector("[data-close]").onclick = function () { dialog.close(); };
      error.hidden = true;
      dialog.showModal();
      (form.username.value ? form.password : form.username).focus();
    });
    return pending;
  }

  // fetch(url, build()) that signs in again and resends when the session has ended. `build` makes the
  // options afresh for each attempt: signing in changes the CSRF token.
  function send(url, build) {
    return fetch(url, build()).then(function (r) {
      idle.heard(r.headers.get("X-Session-Idle-Left"));
      if (!isSignedOut(r)) return r;
      return signIn().then(function () { return send(url, build); });
    });
  }

  // The warning before the idle limit. The server tells how many seconds the session has left (the dialog's
  // data-idle-left, then each response's X-Session-Idle-Left); the deadline is shared with the browser's
  // other tabs (localStorage), so work in one tab keeps the others from warning. "Stay signed in" touches the
  // session; without it, a form sent after the deadline opens the sign-in dialog instead of leaving the page.
  const idle = (function () {
    const KEY = "ej-session-deadline";
    let deadline = 0, timer = null;
    function dialog() { return document.getElementById("ej-idle-warning"); }
    function shared() {
      try { return Number(localStorage.getItem(KEY)) || 0; } catch (e) { return 0; }
    }
    function until() { return Math.max(deadline, shared()); }
    function schedule(left) {
      if (left === null || left === undefined || left === "" || !dialog()) return;
      deadline = Date.now() + Number(left) * 1000;
      try { localStorage.setItem(KEY, String(until())); } catch (e) { /* private mode: this tab only */ }
      const w = dialog();
      if (w.open && Date.now() < until() - warnBefore() * 1000) w.close();
      arm();
    }
    function warnBefore() { return Number(dialog().dataset.warnBefore); }
    function arm() {
      clearTimeout(timer);
      const now = Date.now(), end = until(), warnAt = end - warnBefore() * 1000;
      if (now >= end) { dialog().close(); return; }
      if (now < warnAt) { timer = setTimeout(arm, warnAt - now); return; }
      const w = dialog();
      if (!w.open) { w.showModal(); w.querySelector("[data-stay]").focus(); }
      timer = setTimeout(arm, end - now);
    }
    function stay() {
      const w = dialog();
      send(w.dataset.stayUrl, function () {
        return { method: "POST", credentials: "same-origin",
                 headers: { "X-CSRFToken": csrf(), "X-Requested-With": "fetch" } };
      }).then(function (r) { return r.json(); }).then(function (data) {
        if (w.open) w.close();
        schedule(data.idle_left);
      }, function () { if (w.open) w.close(); });
    }
    function expired() { return dialog() !== null && deadline > 0 && Date.now() >= until(); }
    document.addEventListener("DOMContentLoaded", function () {
      const w = dialog();
      if (!w) return;
      w.querySelector("[data-stay]").addEventListener("click", stay);
      window.addEventListener("storage", function (e) { if (e.key === KEY) arm(); });
      schedule(w.dataset.idleLeft);
    });
    // A plain form sent after the deadline: sign in again here, then send it (nothing typed is lost).
    document.addEventListener("submit", function (e) {
      const form = e.target;
      if (!expired() || form.closest("dialog") || (form.method || "").toLowerCase() !== "post") return;
      e.preventDefault();
      const submitter = e.submitter;
      signIn().then(function () { form.requestSubmit(submitter); }, function () {});
    }, true);
    return { schedule: schedule, heard: schedule };
  })();

  window.ejSession = { signIn: signIn, send: send, csrf: csrf };

  // htmx requests: the same dialog, then the last request of each element again (a polling element
  // refused many times while the dialog is open is asked once).
  const waiting = new Map();
  function replay() {
    waiting.forEach(function (c, elt) { window.htmx.ajax(c.verb, c.path, { source: elt, target: c.target }); });
    waiting.clear();
  }
  document.addEventListener("htmx:afterRequest", function (e) {
    if (e.detail.xhr) idle.heard(e.detail.xhr.getResponseHeader("X-Session-Idle-Left"));
  });
  document.addEventListener("htmx:beforeSwap", function (e) {
    const xhr = e.detail.xhr;
    if (!(xhr.status === 401 && xhr.getResponseHeader("X-Signed-Out") === "1")) return;
    e.detail.shouldSwap = false;
    e.detail.isError = false;
    const config = e.detail.requestConfig;
    waiting.set(config.elt, { verb: config.verb, path: config.path, target: e.detail.target });
    signIn().then(replay, function () { waiting.clear(); });
  });

  // A form posted after the session ended: its values come back after sign-in.
  document.addEventListener("DOMContentLoaded", function () {
    const script = document.getElementById("ej-kept-post");
    if (!script) return;
    const kept = JSON.parse(script.textContent);
    const names = Object.keys(kept);
    let best = null, score = 0;
    document.querySelectorAll("form[method=post], form[method=POST]").forEach(function (f) {
      const s = names.filter(function (n) { return f.elements[n]; }).length;
      if (s > score) { best = f; score = s; }
    });
    if (!best) return;
    names.forEach(function (name) {
      const values = kept[name];
      const field = best.elements[name];
      if (!field) return;
      const list = field instanceof RadioNodeList ? Array.from(field) : [field];
      list.forEach(function (el, i) {
        if (el.type === "checkbox" || el.type === "radio") el.checked = values.indexOf(el.value) >= 0;
        else if (el.tagName === "SELECT" && el.multiple) {
          Array.from(el.options).forEach(function (o) { o.selected = values.indexOf(o.value) >= 0; });
        } else if (el.type !== "file" && el.type !== "hidden" && values[i] !== undefined) el.value = values[i];
      });
    });
    // An unticked box posts nothing: every box of the form that was not posted was unticked.
    Array.from(best.elements).forEach(function (el) {
      if (el.type === "checkbox" && names.indexOf(el.name) < 0) el.checked = false;
    });
    const dialog = document.getElementById("ej-sign-in");
    const notice = document.createElement("p");
    notice.className = "errors";
    notice.setAttribute("role", "status");
    notice.dataset.testid = "kept-post";
    notice.textContent = dialog ? dialog.dataset.keptNotice : "";
    best.insertBefore(notice, best.firstChild);
  });
})();
