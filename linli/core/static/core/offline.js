/* Linli: forms that wait for a signal (docs/offline.md; the server's side is core/offline.py).
 *
 * A <form data-offline="what it is"> is not posted by the browser. Its fields and photos
 * are first kept on this phone (IndexedDB: one record per form token, so a second tap
 * replaces the first), then sent with fetch. With no signal the record waits; every page
 * shows how many wait (the banner) and the queue is sent in order when the signal returns
 * (the online event, each page load, a timer, the Send now button of the queue page).
 *
 * The server answers a post from here in JSON (QueueAnswerMiddleware): a location (done:
 * the record is removed) or its refusal in words (the record stays, shown with them, until
 * it is sent again or discarded). Only the person who saved a record sends it. A page with
 * such a form asks the service worker (/sw.js) to keep a copy of it, its static files and
 * the queue page, so the form opens again in a basement once it was opened above.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.indexedDB || !window.fetch || !window.Promise) return; // forms post as usual
  var conf = script.dataset;
  var USER = conf.user;
  var AUTO_RETRY_MS = 60000;

  function say(key, values) {
    var text = conf["t" + key] || "";
    Object.keys(values || {}).forEach(function (k) { text = text.split("{" + k + "}").join(values[k]); });
    return text;
  }

  /* ---- the records (IndexedDB "linli-offline", store "queue", key "id") ---- */

  var opened = null;
  function database() {
    opened = opened || new Promise(function (resolve, reject) {
      var request = indexedDB.open("linli-offline", 1);
      request.onupgradeneeded = function () { request.result.createObjectStore("queue", { keyPath: "id" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
    return opened;
  }

  async function withStore(mode, use) {
    var db = await database();
    return new Promise(function (resolve, reject) {
      var tx = db.transaction("queue", mode);
      var request = use(tx.objectStore("queue"));
      tx.oncomplete = function () { resolve(request && request.result); };
      tx.onerror = tx.onabort = function () { reject(tx.error); };
    });
  }

  async function records() { // this person's, oldest first
    var all = await withStore("readonly", function (s) { return s.getAll(); });
    return all.filter(function (r) { return r.user === USER; }).sort(function (a, b) { return a.savedAt - b.savedAt; });
  }
  function store(record) { return withStore("readwrite", function (s) { return s.put(record); }); }
  function discard(id) { return withStore("readwrite", function (s) { return s.delete(id); }); }

  /* ---- keeping a form ---- */

  function TooLarge(message) { this.message = message; }

  // A photo above the server's limit is drawn smaller on a canvas (its long side to the
  // server's maximum, JPEG); one that still does not fit, or cannot be drawn, is refused.
  async function fit(file) {
    var limit = Number(conf.photoBytes);
    if (!limit || file.size <= limit) return file;
    try {
      var image = await createImageBitmap(file);
      var scale = Math.min(1, Number(conf.photoSide) / Math.max(image.width, image.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(image.width * scale);
      canvas.height = Math.round(image.height * scale);
      canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
      var blob = await new Promise(function (done) { canvas.toBlob(done, "image/jpeg", 0.85); });
      if (blob && blob.size <= limit) {
        return new File([blob], file.name.replace(/\.[^.]*$/, "") + ".jpg", { type: "image/jpeg" });
      }
    } catch (e) { /* not a picture this browser can draw: refused below */ }
    throw new TooLarge(say("TooLarge", {
      name: file.name, size: (file.size / 1048576).toFixed(1), limit: Math.floor(limit / 1048576),
    }));
  }

  async function keep(form, submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    var fields = [];
    var photos = 0;
    for (var pair of data.entries()) {
      var value = pair[1];
      if (pair[0] === "csrfmiddlewaretoken") continue; // the current one is sent instead
      if (value instanceof File) {
        if (!value.name && !value.size) continue; // a photo field left empty
        value = await fit(value);
        photos += 1;
      }
      fields.push([pair[0], value]);
    }
    var record = {
      id: data.get("form_token") || "r" + Date.now() + Math.random().toString(36).slice(2),
      user: USER,
      label: form.dataset.offline,
      action: form.action,
      page: location.href.split("#")[0],
      fields: fields,
      photos: photos,
      savedAt: Date.now(),
      error: "",
      refused: false,
    };
    await store(record);
    return record;
  }

  /* ---- sending ---- */

  function csrfToken() {
    var cookie = document.cookie.split("; ").filter(function (c) { return c.indexOf("csrftoken=") === 0; })[0];
    if (cookie) return cookie.slice("csrftoken=".length);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // The words of a refusal: the page's error messages and field errors, else its heading.
  async function reasonOf(response) {
    if ((response.headers.get("Content-Type") || "").indexOf("application/json") === 0) {
      var body = await response.json().catch(function () { return {}; });
      return body.error || body.detail || "";
    }
    var page = new DOMParser().parseFromString(await response.text(), "text/html");
    var said = Array.prototype.map.call(page.querySelectorAll(".msg-error, .field-error, .errorlist li"),
      function (el) { return el.textContent.trim(); }).filter(Boolean);
    var heading = page.querySelector("main h1");
    if (!said.length && heading) said.push(heading.textContent.trim());
    return said.join(" ");
  }

  // Answers {location} when done; {wait: true} when it should be tried again later (no
  // signal, a server in trouble, logged out); {refused: true} when the server said no.
  async function send(record) {
    var body = new FormData();
    record.fields.forEach(function (f) {
      if (f[1] instanceof Blob) body.append(f[0], f[1], f[1].name); else body.append(f[0], f[1]);
    });
    body.set("waited", String(Math.max(0, Math.round((Date.now() - record.savedAt) / 1000))));
    var response;
    try {
      response = await fetch(record.action, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-Linli-Queue": "1", "X-CSRFToken": csrfToken() },
      });
    } catch (e) {
      return { wait: true }; // no signal: nothing reached the server, or its answer was lost
    }
    var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
    if (response.ok && json) {
      var answer = await response.clone().json().catch(function () { return {}; });
      if (answer.location) {
        await discard(record.id);
        return { location: answer.location };
      }
    }
    var reason = await reasonOf(response);
    record.refused = response.status < 500 && response.status !== 401;
    record.error = reason || say(record.refused ? "Unclear" : "Later", { status: response.status });
    await store(record);
    return record.refused ? { refused: true } : { wait: true };
  }

  // The queue in order; records refused earlier go only when asked (Send now). One run at
  // a time: a second call joins the running one.
  async function run(evenRefused) {
    if (!navigator.onLine) return;
    for (var record of await records()) {
      if (record.refused && !evenRefused) continue;
      if ((await send(record)).wait) break; // keep the order: the rest waits behind it
    }
  }
  var running = null;
  function sendAll(evenRefused) {
    running = running || run(evenRefused).catch(function () {}).then(function () {
      running = null;
      return show();
    });
    return running;
  }

  /* ---- what the page shows ---- */

  var notes = new WeakMap();
  function note(form, text, kind, withLink) { // kind: "" (under way), "success", "error"
    var p = notes.get(form);
    if (!p) {
      p = document.createElement("p");
      p.setAttribute("role", "status");
      form.parentNode.insertBefore(p, form);
      notes.set(form, p);
    }
    p.className = "msg offline-note" + (kind ? " msg-" + kind : "");
    p.textContent = text + " ";
    if (withLink) {
      var a = document.createElement("a");
      a.href = conf.queue;
      a.textContent = say("See");
      p.appendChild(a);
    }
  }

  async function show() {
    var list = await records().catch(function () { return []; });
    var banner = document.getElementById("offline-banner");
    if (banner) {
      var refused = list.filter(function (r) { return r.refused; }).length;
      banner.hidden = !list.length;
      banner.querySelector("a").textContent = say("Waiting", { n: list.length }) +
        (refused ? " · " + say("Refused", { n: refused }) : "");
    }
    var ul = document.getElementById("offline-list");
    if (!ul) return;
    ul.textContent = "";
    var row = document.getElementById("offline-row");
    list.forEach(function (record) {
      var li = row.content.firstElementChild.cloneNode(true);
      var slot = function (name) { return li.querySelector("[data-slot=" + name + "]"); };
      slot("label").textContent = record.label;
      slot("saved").textContent = say("SavedAt", { time: new Date(record.savedAt).toLocaleString(document.documentElement.lang || "zh-CN") });
      slot("photos").textContent = record.photos ? say("Photos", { n: record.photos }) : "";
      slot("error").textContent = record.error;
      slot("error").hidden = !record.error;
      slot("page").href = record.page;
      slot("discard").addEventListener("click", async function () {
        if (!window.confirm(say("Discard", { label: record.label }))) return;
        await discard(record.id);
        show();
      });
      ul.appendChild(li);
    });
    document.getElementById("offline-empty").hidden = list.length > 0;
    document.getElementById("offline-send").hidden = !list.length;
  }

  /* ---- the form's submit, the queue page's button, logging out ---- */

  document.addEventListener("submit", async function (event) {
    var form = event.target;
    if (form.matches("form[data-offline-forget]")) { // logging out: the cached pages go too
      event.preventDefault();
      if (window.caches) await caches.delete(conf.cache).catch(function () {});
      form.submit();
      return;
    }
    if (!form.matches("form[data-offline]")) return;
    event.preventDefault();
    var buttons = form.querySelectorAll("button, input[type=submit]");
    buttons.forEach(function (b) { b.disabled = true; });
    try {
      var record = await keep(form, event.submitter);
      note(form, say("Sending"), "", false);
      var result = navigator.onLine ? await send(record) : { wait: true };
      if (result.location) { location.assign(result.location); return; }
      if (result.wait) {
        note(form, say("Kept"), "success", true);
        form.hidden = true; // one task per screen: it is done here, the rest is the phone's
      } else { // refused while the person is here: they put it right in the form itself
        await discard(record.id);
        note(form, record.error, "error", false);
      }
    } catch (e) {
      note(form, e instanceof TooLarge ? e.message : say("NotKept"), "error", false);
    }
    buttons.forEach(function (b) { b.disabled = false; });
    show();
  });

  var sendButton = document.getElementById("offline-send");
  if (sendButton) {
    sendButton.addEventListener("click", async function () {
      var status = document.getElementById("offline-status");
      if (!navigator.onLine) { status.textContent = say("NoSignal"); return; }
      status.textContent = say("Sending");
      await sendAll(true);
      var left = await records();
      status.textContent = left.length ? "" : say("AllSent");
    });
  }

  /* ---- the page opens with no signal next time: service worker and cache ---- */

  // The worker keeps the copies itself (one writer to the cache); the page names them.
  if (document.querySelector("form[data-offline]") && navigator.serviceWorker) {
    var shell = [];
    document.querySelectorAll("link[rel=stylesheet][href], script[src]").forEach(function (el) {
      var url = new URL(el.href || el.src, location.href);
      if (url.origin === location.origin) shell.push(url.href);
    });
    // The page last: once it is kept, all it needs is (the worker keeps them in order).
    shell.push(new URL(conf.queue, location.href).href, location.href.split("#")[0]);
    navigator.serviceWorker.register(conf.sw, { scope: "/" })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (registration) { registration.active.postMessage({ keep: shell }); })
      .catch(function () {});
  }

  window.addEventListener("online", function () { sendAll(false); });
  setInterval(function () { sendAll(false); }, AUTO_RETRY_MS);
  sendAll(false);
})();
