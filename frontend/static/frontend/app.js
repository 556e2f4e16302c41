/* BizTweet web app behaviour. No inline script anywhere (strict CSP): everything hangs off
   data attributes and ids in the server-rendered HTML. htmx does the swapping; this file adds the
   composer's helpers and the live updates (Server-Sent Events, with polling when no stream). */
(function () {
  "use strict";

  var URL_RE = /https?:\/\/[^\s<>"'`\u3000]+/gi;
  var URL_LENGTH = 23;

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function fmt(template, n) { return template.replace("%(n)s", String(n)); }

  function fetchHtml(url) {
    return fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.text();
    });
  }

  function announce(text) {
    var region = $("#live-region");
    if (region) { region.textContent = ""; setTimeout(function () { region.textContent = text; }, 50); }
  }

  // --- composer --------------------------------------------------------------------------------

  function countChars(text) {
    // Links count as 23 characters whatever their length, as the server counts them.
    var urls = text.match(URL_RE) || [];
    var rest = text.replace(URL_RE, "");
    return Array.from(rest).length + urls.length * URL_LENGTH;
  }

  function initCounter(form) {
    var text = $("#id_text", form), out = $("#char-count", form), cw = $("#id_spoiler_text", form);
    if (!text || !out) { return; }
    var max = parseInt(text.getAttribute("data-max"), 10) || 500;
    var template = out.getAttribute("data-template") || "%(n)s";
    function update() {
      var left = max - countChars(text.value) - (cw && !cw.closest("[hidden]") ? Array.from(cw.value).length : 0);
      out.textContent = String(left);
      out.setAttribute("aria-label", fmt(template, left));
      out.classList.toggle("over", left < 0);
      out.classList.toggle("near", left >= 0 && left < 20);
    }
    text.addEventListener("input", update);
    if (cw) { cw.addEventListener("input", update); }
    update();
  }

  function initToggles(form) {
    var poll = $("#toggle-poll", form), cwButton = $("#toggle-cw", form);
    if (poll) {
      poll.addEventListener("click", function () {
        var editor = $("#poll-editor", form), flag = $("#with-poll", form);
        var show = editor.hasAttribute("hidden");
        editor.toggleAttribute("hidden", !show);
        flag.value = show ? "1" : "";
        poll.setAttribute("aria-expanded", String(show));
        if (show) { var first = $("input[name=poll_option]", editor); if (first) { first.focus(); } }
      });
    }
    if (cwButton) {
      cwButton.addEventListener("click", function () {
        var row = $("#cw-row", form), show = row.hasAttribute("hidden");
        row.toggleAttribute("hidden", !show);
        cwButton.setAttribute("aria-expanded", String(show));
        if (show) { $("#id_spoiler_text", form).focus(); } else { $("#id_spoiler_text", form).value = ""; }
      });
    }
    initSchedule(form);
    var audience = $("#id_audience", form), unit = $("#id_unit_id", form);
    if (audience && unit) {
      var sync = function () { unit.toggleAttribute("hidden", audience.value !== "unit"); };
      audience.addEventListener("change", sync);
      sync();
    }
  }

  // "Schedule for later": a date-time row; with a time in it the post is scheduled instead of posted,
  // and the submit button says so. Hiding the row clears the time, so nothing is scheduled unseen.
  function initSchedule(form) {
    var button = $("#toggle-schedule", form), row = $("#schedule-row", form), input = $("#id_scheduled_at", form);
    var submit = $("button[type=submit]", form);
    if (!button || !row || !input || !submit) { return; }
    function sync() {
      var later = !row.hasAttribute("hidden") && input.value !== "";
      submit.textContent = submit.getAttribute(later ? "data-later" : "data-now");
    }
    if (input.value && row.hasAttribute("hidden")) { row.removeAttribute("hidden"); }
    button.setAttribute("aria-expanded", String(!row.hasAttribute("hidden")));
    button.addEventListener("click", function () {
      var show = row.hasAttribute("hidden");
      row.toggleAttribute("hidden", !show);
      button.setAttribute("aria-expanded", String(show));
      if (show) { input.focus(); } else { input.value = ""; }
      sync();
    });
    input.addEventListener("input", sync);
    input.addEventListener("change", sync);
    sync();
  }

  function initImages(form) {
    var input = $("#id_images", form), box = $("#images", form), list = $("#image-list", form);
    if (!input || !box) { return; }
    var altLabel = document.documentElement.lang === "ko" ? "이미지 설명 (대체 텍스트)" : "Image description (alt text)";
    input.addEventListener("change", function () {
      $all("img", list).forEach(function (img) { URL.revokeObjectURL(img.src); });
      list.textContent = "";
      var files = Array.prototype.slice.call(input.files || []);
      if (files.length > 4) {
        var dt = new DataTransfer();
        files.slice(0, 4).forEach(function (f) { dt.items.add(f); });
        input.files = dt.files;
        files = files.slice(0, 4);
      }
      files.forEach(function (file, i) {
        var li = document.createElement("li");
        var img = document.createElement("img");
        img.src = URL.createObjectURL(file);
        img.alt = "";
        img.width = 80; img.height = 80;
        var label = document.createElement("label");
        label.textContent = altLabel + " " + (i + 1);
        var alt = document.createElement("input");
        alt.type = "text"; alt.name = "image_alt"; alt.maxLength = 1500;
        label.appendChild(alt);
        li.appendChild(img); li.appendChild(label);
        list.appendChild(li);
      });
      box.toggleAttribute("hidden", files.length === 0);
    });
  }

  // Mention (@real name) and hashtag (#) autocomplete: a listbox under the textarea, driven by the
  // keyboard (arrows, Enter/Tab to pick, Escape to close) as well as the mouse.
  function initAutocomplete(form) {
    var text = $("#id_text", form), box = $("#suggestions", form);
    if (!text || !box) { return; }
    var items = [], active = -1, token = null, timer = null, seq = 0;

    function close() {
      box.hidden = true; box.textContent = ""; items = []; active = -1; token = null;
      text.setAttribute("aria-expanded", "false"); text.removeAttribute("aria-activedescendant");
    }
    function highlight(i) {
      active = i;
      $all("li", box).forEach(function (li, j) { li.setAttribute("aria-selected", String(j === i)); });
      if (i >= 0) { text.setAttribute("aria-activedescendant", "sugg-" + i); }
    }
    function pick(i) {
      if (!token || !items[i]) { return; }
      var before = text.value.slice(0, token.start), after = text.value.slice(token.end);
      var insert = items[i].insert + " ";
      text.value = before + insert + after;
      var caret = before.length + insert.length;
      text.setSelectionRange(caret, caret);
      close();
      text.dispatchEvent(new Event("input", { bubbles: true }));
      text.focus();
    }
    function currentToken() {
      var caret = text.selectionStart, upto = text.value.slice(0, caret);
      var m = /(^|[\s(])([@#][^\s@#]{1,30})$/.exec(upto);
      if (!m) { return null; }
      return { start: caret - m[2].length, end: caret, q: m[2] };
    }
    function render(found) {
      box.textContent = "";
      items = found;
      found.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = "sugg-" + i; li.setAttribute("role", "option");
        if (item.avatar) {
          var img = document.createElement("img");
          img.src = item.avatar; img.alt = ""; img.width = 24; img.height = 24; img.className = "avatar";
          li.appendChild(img);
        }
        var name = document.createElement("span"); name.className = "label"; name.textContent = item.label;
        li.appendChild(name);
        if (item.detail) { var d = document.createElement("span"); d.className = "muted"; d.textContent = item.detail; li.appendChild(d); }
        li.addEventListener("mousedown", function (e) { e.preventDefault(); pick(i); });
        box.appendChild(li);
      });
      box.hidden = found.length === 0;
      text.setAttribute("aria-expanded", String(found.length > 0));
      highlight(found.length ? 0 : -1);
    }
    text.addEventListener("input", function () {
      clearTimeout(timer);
      var t = currentToken();
      if (!t) { close(); return; }
      timer = setTimeout(function () {
        var mine = ++seq;
        fetch("/compose/suggest?q=" + encodeURIComponent(t.q), { credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (data) { if (mine === seq) { token = t; render(data.items || []); } })
          .catch(close);
      }, 150);
    });
    text.addEventListener("keydown", function (e) {
      if (box.hidden || !items.length) { return; }
      if (e.key === "ArrowDown") { e.preventDefault(); highlight((active + 1) % items.length); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight((active - 1 + items.length) % items.length); }
      else if (e.key === "Enter" || e.key === "Tab") { e.preventDefault(); pick(Math.max(active, 0)); }
      else if (e.key === "Escape") { e.preventDefault(); close(); }
    });
    text.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  function initComposer(root) {
    var form = root.id === "composer-form" ? root : $("#composer-form", root);
    if (!form || form.getAttribute("data-ready")) { return; }
    form.setAttribute("data-ready", "1");
    initCounter(form); initToggles(form); initImages(form); initAutocomplete(form);
  }

  // --- small things ----------------------------------------------------------------------------

  document.addEventListener("submit", function (e) {
    var button = e.submitter || $("[data-confirm]", e.target);
    var question = button && button.getAttribute && button.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { e.preventDefault(); e.stopPropagation(); }
  }, true);

  // --- live updates ----------------------------------------------------------------------------

  var live = { pending: null, count: 0, timer: null };

  function newestId() {
    var cards = $("#cards");
    var newest = cards ? parseInt(cards.getAttribute("data-newest") || "0", 10) : 0;
    $all("#cards > article.post").forEach(function (a) {
      var id = parseInt(a.id.replace("post-", ""), 10);
      if (id > newest) { newest = id; }
    });
    return newest;
  }

  function fresh(html) {
    // Cards not yet on the page (my own post is already there after posting).
    var holder = document.createElement("div");
    holder.innerHTML = html;
    return $all("article.post", holder).filter(function (a) { return !document.getElementById(a.id); });
  }

  function checkNew() {
    var button = $("#new-posts");
    if (!button) { return; }
    var url = location.pathname + "?since_id=" + newestId();
    fetchHtml(url).then(function (html) {
      var found = fresh(html);
      live.pending = found;
      live.count = found.length;
      if (!found.length) { return; }
      var text = found.length === 1 ? button.getAttribute("data-one") : fmt(button.getAttribute("data-many"), found.length);
      button.textContent = text;
      button.hidden = false;
      announce(text);
    }).catch(function () {});
  }

  function showNew() {
    var button = $("#new-posts"), cards = $("#cards");
    if (!live.pending || !cards) { return; }
    var first = null;
    live.pending.slice().reverse().forEach(function (article) {
      article.classList.add("arrived");
      cards.insertBefore(article, cards.firstChild);
      if (window.htmx) { window.htmx.process(article); }
      first = article;
    });
    cards.setAttribute("data-newest", String(newestId()));
    $all(".empty", cards).forEach(function (el) { el.remove(); });
    live.pending = null; live.count = 0;
    button.hidden = true;
    if (first) { first.setAttribute("tabindex", "-1"); first.focus({ preventScroll: false }); }
  }

  function refreshActions(postId) {
    $all('.actions[data-post="' + postId + '"]').forEach(function (bar) {
      fetchHtml("/posts/" + postId + "/actions").then(function (html) {
        var holder = document.createElement("div"); holder.innerHTML = html;
        var next = holder.firstElementChild;
        if (next && bar.parentNode) { bar.parentNode.replaceChild(next, bar); if (window.htmx) { window.htmx.process(next); } }
      }).catch(function () {});
    });
  }

  function refreshBadge(id, url) {
    fetchHtml(url).then(function (html) {
      var badge = document.getElementById(id);
      if (!badge) { return; }
      var holder = document.createElement("div"); holder.innerHTML = html;
      var next = holder.firstElementChild;
      if (next) { badge.parentNode.replaceChild(next, badge); }
    }).catch(function () {});
  }

  // A direct message arrives as a mention notification: both badges may have changed.
  function refreshBadges() {
    refreshBadge("badge", "/notifications/badge");
    refreshBadge("messages-badge", "/messages/badge");
  }

  function soon(fn) {
    clearTimeout(live.timer);
    live.timer = setTimeout(fn, 300);
  }

  function onUpdate(data) {
    var status = null;
    try { status = JSON.parse(data); } catch (e) { status = null; }
    if (status && status.in_reply_to_id) { refreshActions(status.in_reply_to_id); }
    if (status && status.reblog && status.reblog.id) { refreshActions(status.reblog.id); }
    soon(checkNew);
  }

  function onNotification(data) {
    var note = null;
    try { note = JSON.parse(data); } catch (e) { note = null; }
    refreshBadges();
    if (note && note.status && note.status.id) { refreshActions(note.status.id); }
  }

  function onDelete(data) {
    var el = document.getElementById("post-" + String(data).trim());
    if (el) { el.remove(); }
  }

  function poll() {
    // Without a stream (a proxy that drops it, or no streaming server), check every 15 seconds.
    checkNew(); refreshBadges();
    $all(".actions[data-post]").slice(0, 20).forEach(function (bar) { refreshActions(bar.getAttribute("data-post")); });
  }

  function startLive() {
    var url = document.body.getAttribute("data-stream");
    if (!url) { return; }
    var button = $("#new-posts");
    if (button) { button.addEventListener("click", showNew); }
    var polling = null;
    function fallBack() { if (!polling) { polling = setInterval(poll, 15000); } }
    if (!window.EventSource) { fallBack(); return; }
    var source = new EventSource(url, { withCredentials: true });
    var opened = false;
    source.addEventListener("open", function () {
      opened = true;
      if (polling) { clearInterval(polling); polling = null; }
      document.body.setAttribute("data-live", "sse");
    });
    source.addEventListener("update", function (e) { onUpdate(e.data); });
    source.addEventListener("notification", function (e) { onNotification(e.data); });
    source.addEventListener("delete", function (e) { onDelete(e.data); });
    source.addEventListener("status.update", function (e) {
      try { var s = JSON.parse(e.data); refreshActions(s.id); } catch (err) { /* ignore */ }
    });
    source.addEventListener("error", function () {
      if (source.readyState === EventSource.CLOSED || !opened) {
        document.body.setAttribute("data-live", "poll");
        fallBack();
      }
    });
    setTimeout(function () { if (!opened) { document.body.setAttribute("data-live", "poll"); fallBack(); } }, 5000);
  }

  // --- keyword filter form: "Add keyword" appends a blank row (without script, the blank rows the
  // server sends suffice); Enter in a keyword goes to the next row instead of submitting. -----------

  function initKeywordRows() {
    var body = $("#keyword-rows"), template = $("#keyword-row-template"), add = $("#add-keyword");
    if (!body || !template || !add) { return; }
    function addRow() {
      var next = parseInt(body.getAttribute("data-next") || "0", 10);
      body.setAttribute("data-next", String(next + 1));
      var holder = document.createElement("tbody");
      holder.innerHTML = template.innerHTML.replace(/__i__/g, String(next));
      var row = holder.firstElementChild;
      body.appendChild(row);
      return row;
    }
    add.hidden = false;
    add.addEventListener("click", function () { $("input[type=text]", addRow()).focus(); });
    body.addEventListener("keydown", function (e) {
      if (e.key !== "Enter" || !e.target.matches("input[type=text]")) { return; }
      e.preventDefault();
      var rows = $all("input[type=text]", body), at = rows.indexOf(e.target);
      var target = rows[at + 1] || (e.target.value.trim() ? $("input[type=text]", addRow()) : null);
      if (target) { target.focus(); }
    });
  }

  function init(root) { initComposer(root || document); }

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
    initKeywordRows();
    startLive();
    if ("serviceWorker" in navigator) { navigator.serviceWorker.register("/sw.js").catch(function () {}); }
  });
  document.addEventListener("htmx:load", function (e) { init(e.detail.elt); });
  document.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail.xhr;
    if (xhr && (xhr.status === 403 || xhr.status === 422) && xhr.responseText && xhr.getResponseHeader("Content-Type").indexOf("text/plain") === 0) {
      announce(xhr.responseText); window.alert(xhr.responseText);
    }
  });
  // The composer answers 403/422 with the form and its message: swap it in like a success.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var status = e.detail.xhr.status;
    if ((status === 403 || status === 422) && e.detail.target && e.detail.target.id === "composer") {
      e.detail.shouldSwap = true; e.detail.isError = false;
    }
  });
  // A post of one's own arrives through the composer's out-of-band swap: an empty timeline's
  // "No posts yet." goes once the first card is there.
  document.addEventListener("htmx:afterSettle", function () {
    var cards = $("#cards");
    if (cards && cards.querySelector("article.post")) {
      $all(".empty", cards).forEach(function (el) { el.remove(); });
    }
  });
  // The OAuth out-of-band code selects itself on click, ready to copy.
  document.addEventListener("click", function (e) {
    if (e.target && e.target.classList && e.target.classList.contains("oob-code")) { e.target.select(); }
  });
})();
