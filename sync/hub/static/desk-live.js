/* The live queue (issue 17.2). The hub's stream (/desk/queue/events, server-sent events)
   says within about a second that the queue changed; this script then fetches the queue's
   rows (/desk/queue/rows) and puts them in place, keeps the navigation's number current,
   and, if the receptionist chose so, plays a short tone and shows the browser's notification
   for each new request. Without this script the queue page reloads itself every 5 seconds
   (<noscript> in its head). No words here: they come with the page, in the desk's language. */
(function () {
  "use strict";
  var body = document.body;
  var streamUrl = body.getAttribute("data-live");
  if (!streamUrl || !window.fetch) return;
  var rowsBox = document.getElementById("queue-rows");
  var SOUND_KEY = "ontmoet.desk.sound";
  var CHIMED_KEY = "ontmoet.desk.chimed";
  var seen = null; // ids of the requests this page knows already (null: not yet)
  var fallback = null; // the 5-second refresh, when the stream cannot be had
  var audio = null;

  function store(key, value) {
    try {
      if (value === undefined) return window.localStorage.getItem(key);
      window.localStorage.setItem(key, value);
    } catch (e) { /* private mode: not remembered */ }
    return null;
  }

  function idsIn(root) {
    var ids = {};
    root.querySelectorAll("tr[data-id]").forEach(function (row) {
      ids[row.getAttribute("data-id")] = row;
    });
    return ids;
  }

  if (rowsBox) seen = idsIn(rowsBox);

  function show(id, on) {
    var el = document.getElementById(id);
    if (el) el.hidden = !on;
  }

  function setCount(n) {
    document.querySelectorAll("[data-queue-count]").forEach(function (el) {
      el.textContent = String(n);
      el.hidden = !n;
    });
  }

  /* A short two-note tone, made here: nothing to download. */
  function chime() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    if (!audio) audio = new Context();
    if (audio.state === "suspended") audio.resume();
    var start = audio.currentTime;
    [660, 880].forEach(function (freq, i) {
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.type = "sine";
      osc.frequency.value = freq;
      var t = start + i * 0.18;
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(0.25, t + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.16);
      osc.connect(gain).connect(audio.destination);
      osc.start(t);
      osc.stop(t + 0.17);
    });
  }

  function announce(rows) {
    if (!rows.length) return;
    var said = document.getElementById("live-said");
    var text = rows.map(function (r) { return r.getAttribute("data-notice"); }).join(" ");
    if (said) said.textContent = text;
    var last = rows[rows.length - 1].getAttribute("data-id");
    // Several tabs of the desk: one tone, one notification per request.
    if (store(CHIMED_KEY) === last) return;
    store(CHIMED_KEY, last);
    if (store(SOUND_KEY) === "on") chime();
    if ("Notification" in window && Notification.permission === "granted") {
      rows.forEach(function (row) {
        try {
          new Notification(body.getAttribute("data-notice-title") || "Ontmoet", {
            body: row.getAttribute("data-notice"),
            tag: "ontmoet-help-" + row.getAttribute("data-id"),
            lang: document.documentElement.lang,
            dir: document.documentElement.dir === "rtl" ? "rtl" : "ltr",
          });
        } catch (e) { /* a browser that wants a service worker for this */ }
      });
    }
  }

  function keepFocus(box, apply) {
    // The receptionist may be on a button: put the focus back on the same one.
    var active = document.activeElement;
    var form = active && box.contains(active) ? active.closest("form") : null;
    var where = form ? [form.getAttribute("action"), active.name, active.value] : null;
    apply();
    if (!where) return;
    box.querySelectorAll("form").forEach(function (f) {
      if (f.getAttribute("action") !== where[0]) return;
      f.querySelectorAll("button").forEach(function (b) {
        if (b.name === where[1] && b.value === where[2]) b.focus();
      });
    });
  }

  var fetching = false, again = false;
  function refresh() {
    if (fetching) { again = true; return; }
    fetching = true;
    fetch("/desk/queue/rows", { credentials: "same-origin", cache: "no-store" })
      .then(function (reply) {
        // Logged out, or no longer allowed: the whole page says what to do.
        if (reply.redirected || !reply.ok) { window.location.reload(); return null; }
        return reply.text();
      })
      .then(function (html) {
        if (html === null) return;
        var scratch = document.createElement("div");
        scratch.innerHTML = html; // the hub's own escaped HTML
        var now = idsIn(scratch);
        var fresh = [];
        Object.keys(now).forEach(function (id) {
          if (seen && !seen[id] && now[id].getAttribute("data-state") === "new") {
            fresh.push(now[id]);
          }
        });
        if (rowsBox) keepFocus(rowsBox, function () { rowsBox.innerHTML = html; });
        announce(fresh);
        seen = now;
      })
      .catch(function () { /* the hub is away: the stream comes back and asks again */ })
      .then(function () {
        fetching = false;
        if (again) { again = false; refresh(); }
      });
  }

  function startFallback() {
    show("live-on", false);
    show("live-off", true);
    if (fallback === null) fallback = window.setInterval(refresh, 5000);
  }

  var source = null;
  function connect() {
    if (!window.EventSource) { startFallback(); return; }
    source = new EventSource(streamUrl);
    source.addEventListener("open", function () {
      if (fallback !== null) { window.clearInterval(fallback); fallback = null; }
      show("live-off", false);
      show("live-on", true);
    });
    source.addEventListener("queue", function (event) {
      var data = {};
      try { data = JSON.parse(event.data); } catch (e) { /* counts only: refetch anyway */ }
      if (typeof data.waiting === "number") setCount(data.waiting);
      if (rowsBox || seen !== null || data.waiting) refresh();
      else seen = {};
    });
    source.addEventListener("end", function (event) {
      source.close();
      if (event.data && event.data.indexOf("busy") >= 0) { startFallback(); return; }
      window.location.reload(); // the session ended: to the login page
    });
    source.addEventListener("error", function () {
      // The browser tries again by itself; refused for good (429, logged out) it does not.
      if (source.readyState === EventSource.CLOSED) startFallback();
      else { show("live-on", false); show("live-off", true); }
    });
  }

  /* A browser lets a page make sound only after a click or a key on it: the first one
     (anywhere on the page) readies the tone, silently. */
  function unlock() {
    document.removeEventListener("pointerdown", unlock);
    document.removeEventListener("keydown", unlock);
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context || store(SOUND_KEY) !== "on") return;
    if (!audio) audio = new Context();
    if (audio.state === "suspended") audio.resume();
  }
  document.addEventListener("pointerdown", unlock);
  document.addEventListener("keydown", unlock);

  /* The controls on the queue page. */
  var sound = document.getElementById("live-sound");
  if (sound) {
    sound.checked = store(SOUND_KEY) === "on";
    sound.addEventListener("change", function () {
      store(SOUND_KEY, sound.checked ? "on" : "off");
      if (sound.checked) chime(); // a click allows the tone, and lets one hear it
    });
  }
  function notifyState() {
    var has = "Notification" in window;
    var p = has ? Notification.permission : "denied";
    show("live-notify", has && p === "default");
    show("live-notify-on", has && p === "granted");
    show("live-notify-blocked", has && p === "denied");
  }
  var ask = document.getElementById("live-notify");
  if (ask) {
    ask.addEventListener("click", function () {
      var asked = Notification.requestPermission(notifyState);
      if (asked && asked.then) asked.then(notifyState);
    });
  }
  if (rowsBox) {
    notifyState();
    show("live-controls", true);
  }
  connect();
})();
