/* Countdowns from the server's deadline, the end of a timed quiz attempt, and an honest
   autosave status. The page works without this file: the server enforces every deadline itself. */
(function () {
  "use strict";

  var ANNOUNCE_AT = [600, 300, 60, 30];

  function format(seconds) {
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function finishAttempt(timer) {
    var form = document.getElementById("attempt-form");
    var announce = document.getElementById("countdown-announce");
    if (announce && timer.dataset.timeoutMessage) {
      announce.textContent = timer.dataset.timeoutMessage;
    }
    if (form) {
      var target = document.createElement("input");
      target.type = "hidden";
      target.name = "goto";
      target.value = "timeout";
      form.appendChild(target);
      form.submit();
    } else if (document.getElementById("countdown")) {
      // Summary page: the server submits the overdue attempt when asked for any page of it.
      window.setTimeout(function () { window.location.reload(); }, 2500);
    }
  }

  function start(timer) {
    if (timer.dataset.started) { return; }
    timer.dataset.started = "1";
    var end = Date.now() + parseInt(timer.dataset.remaining, 10) * 1000;
    var template = timer.dataset.template || "{time}";
    var announceTemplate = timer.dataset.announceTemplate;
    var announce = document.getElementById("countdown-announce");
    var announced = {};
    var handle = null;

    function update() {
      if (!document.body.contains(timer)) { window.clearInterval(handle); return; }
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      timer.textContent = template.replace("{time}", format(left));
      ANNOUNCE_AT.forEach(function (mark) {
        // A polite, rare announcement: a timer read out every second would drown the page.
        if (left <= mark && left > mark - 5 && !announced[mark] && announce && announceTemplate) {
          announced[mark] = true;
          announce.textContent = announceTemplate.replace("{time}", format(left));
        }
      });
      if (left === 0) {
        window.clearInterval(handle);
        if (timer.id === "countdown") { finishAttempt(timer); }
      }
    }
    update();
    handle = window.setInterval(update, 1000);
  }

  // htmx sends the autosaves of a form one at a time, each with the form as it is when sent.
  // A change made while one is on its way is saved by the next: until that one answers, the
  // page says "saving", not "saved", and the earlier answer is not shown.
  function watchAutosave(form) {
    if (form.dataset.watched) { return; }
    form.dataset.watched = "1";
    var changes = 0;
    var status = document.getElementById(form.getAttribute("hx-target").slice(1));

    function changed() {
      changes += 1;
      if (status && form.dataset.saving) { status.textContent = form.dataset.saving; }
    }
    // Capture: counted before htmx, listening on the same form, sends the save.
    form.addEventListener("change", changed, true);
    form.addEventListener("input", changed, true);
    form.addEventListener("htmx:beforeRequest", function (event) {
      event.detail.xhr.changesSent = changes;
    });
    form.addEventListener("htmx:beforeSwap", function (event) {
      if (event.detail.xhr.changesSent < changes) { event.detail.shouldSwap = false; }
    });
    // An answer typed before the scripts ran (a slow phone) reached no listener: save it now.
    if (window.htmx && editedBeforeLoad(form)) { window.htmx.trigger(form, "change"); }
  }

  function editedBeforeLoad(form) {
    return Array.prototype.some.call(form.elements, function (field) {
      if (field.type === "checkbox" || field.type === "radio") {
        return field.checked !== field.defaultChecked;
      }
      if (field.tagName === "SELECT") {
        var initial = Array.prototype.findIndex.call(field.options, function (o) {
          return o.defaultSelected;
        });
        return field.selectedIndex !== Math.max(initial, 0);
      }
      if (field.tagName === "TEXTAREA" || field.type === "text" || field.type === "number") {
        return field.value !== field.defaultValue;
      }
      return false;
    });
  }

  // A live session's screen (a coach's, the trainer's panel, the projector): the server sends
  // each new state (server-sent events). While the stream is up, the fragment's one-second
  // polling is skipped; when it fails or the server declines it (204), polling goes on as
  // before. A stream declined or broken for good is tried again after RETRY_STREAM_MS.
  var RETRY_STREAM_MS = 30000;
  var live = { source: null, open: false, failedAt: 0 };

  function stopFollowing(source) {
    source.close();
    live.source = null;
    live.open = false;
  }

  function followLive(box) {
    if (!window.EventSource || !window.htmx || !box.dataset.events || live.source) { return; }
    if (Date.now() - live.failedAt < RETRY_STREAM_MS) { return; }
    var id = box.id;
    var name = box.dataset.event || "state";
    var source = new EventSource(box.dataset.events);
    live.source = source;
    source.onopen = function () { live.open = true; };
    source.onerror = function () {
      live.open = false;
      if (source.readyState === window.EventSource.CLOSED) {
        live.source = null;
        live.failedAt = Date.now();
      }
    };
    source.addEventListener(name, function (event) {
      var shown = document.getElementById(id);
      if (!shown) { return; }
      if (shown.hasAttribute("data-reload-on-revision")) {
        // The trainer's panel: a new revision changes the buttons too, so the page reloads.
        if (shown.dataset.revision !== event.lastEventId) { window.location.reload(); return; }
      } else if (name === "state" && shown.dataset.revision === event.lastEventId) {
        return;
      }
      window.htmx.swap(shown, event.data, { swapStyle: shown.getAttribute("hx-swap") || "outerHTML" });
      var now = document.getElementById(id);
      if (!now || !now.dataset.events) { stopFollowing(source); }
    });
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (live.open && elt && elt.hasAttribute && elt.hasAttribute("data-events")) {
      event.preventDefault();
    }
  });

  // The live-session question picker: ticking a question gives it the next number, so the
  // questions are asked in the order they were ticked; the numbers stay editable.
  function numberPicked(picker) {
    if (picker.dataset.numbered) { return; }
    picker.dataset.numbered = "1";
    picker.addEventListener("change", function (event) {
      var box = event.target;
      if (box.type !== "checkbox") { return; }
      var order = box.parentNode.querySelector("input.order");
      if (!order) { return; }
      if (!box.checked) { order.value = ""; return; }
      if (order.value) { return; }
      var highest = 0;
      Array.prototype.forEach.call(picker.querySelectorAll("input.order"), function (field) {
        highest = Math.max(highest, parseInt(field.value, 10) || 0);
      });
      order.value = highest + 1;
    });
  }

  function init(root) {
    var box = document.querySelector("[data-events]");
    if (box) { followLive(box); }
    var timers = (root || document).querySelectorAll("[data-remaining]");
    Array.prototype.forEach.call(timers, start);
    Array.prototype.forEach.call((root || document).querySelectorAll("[data-picker]"), numberPicked);
    var forms = (root || document).querySelectorAll("form[data-autosave]");
    Array.prototype.forEach.call(forms, watchAutosave);
  }

  if (window.htmx) {
    window.htmx.onLoad(init);
  } else {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  }
})();
