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

  // Ordering questions: the "move" buttons reorder the list in place (without JavaScript
  // they submit and the server reorders), and the items can be dragged. The hidden fields
  // are renamed by rank, so the form sends the order shown; a change event lets the
  // autosave send it.
  function renumber(list) {
    var items = list.querySelectorAll(".ordering-item");
    Array.prototype.forEach.call(items, function (item, index) {
      var rank = index + 1;
      var field = item.querySelector("input[type=hidden]");
      field.name = field.name.replace(/\.[0-9]+$/, "." + rank);
      item.querySelector(".ordering-rank").textContent = rank;
      Array.prototype.forEach.call(item.querySelectorAll("button[data-move]"), function (b) {
        b.value = b.value.replace(/\.[0-9]+\.(up|down)$/, "." + rank + ".$1");
        b.disabled = (b.dataset.move === "up" && rank === 1) ||
          (b.dataset.move === "down" && rank === items.length);
      });
    });
  }

  function orderingChanged(list, item) {
    var question = list.parentNode;
    var untouched = question.querySelector("[data-untouched]");
    if (untouched) { untouched.parentNode.removeChild(untouched); }
    renumber(list);
    var status = question.querySelector("[data-ordering-status]");
    if (status && item) {
      var items = Array.prototype.slice.call(list.querySelectorAll(".ordering-item"));
      status.textContent = list.dataset.moved
        .replace("{item}", item.querySelector(".ordering-text").textContent)
        .replace("{rank}", items.indexOf(item) + 1).replace("{total}", items.length);
    }
    list.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function moveItem(list, button) {
    var item = button.closest(".ordering-item");
    if (button.dataset.move === "up" && item.previousElementSibling) {
      list.insertBefore(item, item.previousElementSibling);
    } else if (button.dataset.move === "down" && item.nextElementSibling) {
      list.insertBefore(item.nextElementSibling, item);
    }
    orderingChanged(list, item);
    // Keep the keyboard where it was; at an end of the list, on the other button.
    var again = item.querySelector("button[data-move=" + button.dataset.move + "]");
    (again.disabled ? item.querySelector("button[data-move]:not([disabled])") : again).focus();
  }

  function watchOrdering(list) {
    if (list.dataset.watched) { return; }
    list.dataset.watched = "1";
    var question = list.parentNode;
    var dragged = null;
    question.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-move]");
      if (!button || !question.contains(button)) { return; }
      event.preventDefault();
      if (button.dataset.move === "keep") { orderingChanged(list, null); } else { moveItem(list, button); }
    });
    Array.prototype.forEach.call(list.querySelectorAll(".ordering-item"), function (item) {
      item.draggable = true;
    });
    list.addEventListener("dragstart", function (event) {
      dragged = event.target.closest(".ordering-item");
      if (!dragged) { return; }
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.querySelector(".ordering-text").textContent);
      dragged.classList.add("dragging");
    });
    list.addEventListener("dragover", function (event) {
      var over = event.target.closest(".ordering-item");
      if (!dragged || !over) { return; }
      event.preventDefault();
      if (over === dragged) { return; }
      var box = over.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      list.insertBefore(dragged, after ? over.nextElementSibling : over);
    });
    list.addEventListener("drop", function (event) { if (dragged) { event.preventDefault(); } });
    list.addEventListener("dragend", function () {
      if (!dragged) { return; }
      dragged.classList.remove("dragging");
      orderingChanged(list, dragged);
      dragged = null;
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
    var lists = (root || document).querySelectorAll("[data-ordering]");
    Array.prototype.forEach.call(lists, watchOrdering);
  }

  if (window.htmx) {
    window.htmx.onLoad(init);
  } else {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  }
})();
