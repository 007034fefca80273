/* Local web chat for the survey bot. Vanilla JS, no build step.
 * All server and user text goes into the page via textContent, never innerHTML. */
(function () {
  "use strict";

  var log = document.getElementById("log");
  var form = document.getElementById("composer");
  var input = document.getElementById("message");
  var sendButton = document.getElementById("send");
  var errorLine = document.getElementById("error");
  var typing = document.getElementById("typing");
  var count = document.getElementById("message-count");
  var countStatus = document.getElementById("message-count-status");
  var chartDialog = document.getElementById("chart-dialog");
  var chartOpener = null; // focus goes back here when the chart's dialog closes
  var params = new URLSearchParams(window.location.search);
  var token = params.get("token");
  var userId = params.get("user") || storedUserId();
  var busy = false;
  var messageLimit = Number(form.getAttribute("data-max-length")) || 2000;
  var answerLimit = null; // the last question's own limit on a typed answer, while it waits for one
  var COUNT_FROM = 0.8; // the counter shows from this share of the limit
  var ANNOUNCE_AFTER = 1000; // ms without typing before a screen reader hears the count

  function uuid() {
    var c = window.crypto;
    if (c && typeof c.randomUUID === "function") {
      try { return c.randomUUID(); } catch (e) { /* non-secure context: fall through */ }
    }
    var b = new Uint8Array(16);
    if (c && c.getRandomValues) c.getRandomValues(b);
    else for (var i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
    b[6] = (b[6] & 0x0f) | 0x40; // version 4
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function storedUserId() {
    var fresh = "web-" + uuid().replace(/-/g, "").slice(0, 20);
    try {
      var id = window.localStorage.getItem("guidebot-user");
      if (!id) { id = fresh; window.localStorage.setItem("guidebot-user", id); }
      return id;
    } catch (e) { return fresh; } // storage blocked: id lasts for this page only
  }

  /* ---- DOM helpers ---- */
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null && text !== "") node.textContent = String(text);
    return node;
  }

  // Paragraphs at blank lines; lines starting with a bullet become a list a screen reader announces.
  function addParagraphs(parent, text, className) {
    String(text == null ? "" : text).split(/\n\s*\n/).forEach(function (chunk) {
      var lines = [], list = null;
      function flush() {
        if (lines.length) parent.appendChild(el("p", className, lines.join("\n")));
        lines = [];
      }
      chunk.split("\n").forEach(function (line) {
        var item = /^\s*\u2022\s*(.*)$/.exec(line);
        if (item) {
          flush();
          if (!list) { list = el("ul", "bullets"); parent.appendChild(list); }
          list.appendChild(el("li", null, item[1]));
        } else {
          list = null;
          if (line.trim()) lines.push(line);
        }
      });
      flush();
    });
  }

  function bubble(who) {
    var node = el("div", "msg " + who);
    log.appendChild(node);
    return node;
  }

  function userBubble(text) {
    var node = bubble("user");
    node.appendChild(el("span", "visually-hidden", "You said: "));
    node.appendChild(document.createTextNode(String(text)));
    return node;
  }

  function safeUrl(url, extraOk) {
    try {
      var u = new URL(String(url), window.location.href);
      if (u.protocol === "https:" || u.protocol === "http:") return u.href;
      if (extraOk && extraOk.test(String(url))) return String(url);
    } catch (e) { /* invalid URL */ }
    return null;
  }

  function showError(text) { errorLine.textContent = text; }

  function reveal(first) {
    window.scrollTo(0, document.documentElement.scrollHeight);
    if (first && first.getBoundingClientRect().top < 0) first.scrollIntoView({ block: "start" });
  }

  /* ---- rendering replies ---- */
  function choiceButtons(parent, choices, kind) {
    var row = el("div", kind ? "choices " + kind : "choices");
    choices.forEach(function (choice) {
      var b = el("button", kind ? "choice " + kind : "choice", choice.label);
      b.type = "button";
      b.addEventListener("click", function () {
        if (busy) return;
        if (send({ value: choice.value }, choice.label)) b.classList.add("chosen");
      });
      row.appendChild(b);
    });
    parent.appendChild(row);
  }

  function renderMulti(box, q) {
    var f = el("form", "multi-form");
    var set = el("fieldset", "choices-multi");
    set.appendChild(el("legend", "question-text", q.text));
    if (q.hint) set.appendChild(el("p", "hint", q.hint));
    var max = q.max_choices;
    var status = el("p", "hint limit-status");
    status.setAttribute("aria-live", "polite");
    var boxes = q.choices.map(function (choice, i) {
      var row = el("div", "check");
      var cb = el("input");
      cb.type = "checkbox";
      cb.id = "q-" + uuid() + "-" + i;
      var label = el("label", null, choice.label);
      label.htmlFor = cb.id;
      row.appendChild(cb);
      row.appendChild(label);
      set.appendChild(row);
      return { cb: cb, choice: choice };
    });
    function applyLimit() {
      if (!max) return;
      var full = boxes.filter(function (x) { return x.cb.checked; }).length >= max;
      boxes.forEach(function (x) { if (!x.cb.checked) x.cb.disabled = full; });
      status.textContent = full ? "You cannot choose more: untick one to choose another." : "";
    }
    set.addEventListener("change", applyLimit);
    set.appendChild(status);
    if (q.optional_note) set.appendChild(el("p", "hint optional-note", q.optional_note));
    var go = el("button", "continue", "Continue");
    go.type = "submit";
    set.appendChild(go);
    if (q.skip) choiceButtons(set, [q.skip], "skip");
    f.appendChild(set);
    f.addEventListener("submit", function (event) {
      event.preventDefault();
      if (busy) return;
      var picked = boxes.filter(function (x) { return x.cb.checked; });
      if (!picked.length && !q.optional) { showError("Select at least one option."); return; }
      var labels = picked.map(function (x) { return x.choice.label; }).join(", ") || "(none selected)";
      send({ value: { q: q.question_id, a: picked.map(function (x) { return x.choice.value.a; }) } }, labels);
    });
    box.appendChild(f);
  }

  function renderQuestion(box, q) {
    if (q.question_id != null) box.setAttribute("data-question-id", q.question_id);
    box.classList.add("question");
    if (q.progress) box.appendChild(el("p", "progress", q.progress));
    var choices = Array.isArray(q.choices) ? q.choices : [];
    if (q.multiple && choices.length) { renderMulti(box, q); return; }
    box.appendChild(el("p", "question-text", q.text));
    if (q.hint) box.appendChild(el("p", "hint", q.hint));
    if (q.max_length) box.appendChild(el("p", "hint", "You can enter up to " + q.max_length + " characters."));
    if (q.optional_note) box.appendChild(el("p", "hint optional-note", q.optional_note));
    if (q.link) box.appendChild(linkParagraph(q.link));
    if (choices.length) choiceButtons(box, choices);
    if (q.skip) choiceButtons(box, [q.skip], "skip");
  }

  function linkParagraph(link) {
    var p = el("p", "question-link");
    var href = safeUrl(link.url);
    var a = el(href ? "a" : "span", null, link.title || link.url);
    if (href) { a.href = href; a.rel = "noopener"; a.target = "_blank"; }
    p.appendChild(a);
    return p;
  }

  /* A guidance answer: what the guidance says and our suggestions, each under its own heading. */
  function renderGuidance(box, reply) {
    box.classList.add("guidance");
    box.appendChild(el("h2", "guidance-title", reply.text));
    var from = reply.from_guidance || {}, ours = reply.suggestions || {};
    var part = el("section", "from-guidance");
    part.appendChild(el("h3", null, from.heading));
    if (from.note) part.appendChild(el("p", "hint", from.note));
    var points = el("ul");
    (from.points || []).forEach(function (text) { points.appendChild(el("li", null, text)); });
    part.appendChild(points);
    box.appendChild(part);
    if (ours.items && ours.items.length) {
      var mine = el("section", "suggestions");
      mine.appendChild(el("h3", null, ours.heading));
      if (ours.note) mine.appendChild(el("p", "hint", ours.note));
      var items = el("ul");
      ours.items.forEach(function (item) {
        var li = el("li", null, item.text);
        var sources = item.sources || [];
        sources.forEach(function (source, i) {
          li.appendChild(document.createTextNode(i ? "; " : sources.length > 1 ? " Sources: " : " Source: "));
          li.appendChild(linkParagraph(source).firstChild);
        });
        items.appendChild(li);
      });
      mine.appendChild(items);
      box.appendChild(mine);
    }
    if (reply.guidance_link) box.appendChild(linkParagraph(reply.guidance_link));
  }

  /* A notice everyone is told (the privacy notice): a heading, short paragraphs and its link. */
  function renderNotice(box, reply) {
    box.classList.add("notice");
    box.appendChild(el("h2", "notice-title", reply.text));
    (reply.paragraphs || []).forEach(function (text) { addParagraphs(box, text); });
    if (reply.link) box.appendChild(linkParagraph(reply.link));
  }

  function renderLinks(box, reply) {
    addParagraphs(box, reply.text);
    var list = el("ul", "links-list");
    (reply.links || []).forEach(function (link) {
      var item = el("li");
      var href = safeUrl(link.url);
      var a = el(href ? "a" : "span", null, link.title || link.url);
      if (href) { a.href = href; a.rel = "noopener"; }
      item.appendChild(a);
      if (link.description) item.appendChild(el("span", "link-desc", link.description));
      list.appendChild(item);
    });
    box.appendChild(list);
  }

  function renderImage(box, reply) {
    box.classList.add("image");
    var figure = el("figure", "chart");
    if (reply.text) figure.appendChild(el("figcaption", null, reply.text));
    var src = safeUrl(reply.src, /^data:image\/(png|jpeg|gif|webp);base64,/i);
    if (src) {
      var img = el("img", "chart-image");
      img.src = src;
      img.alt = reply.alt || "";
      figure.appendChild(img);
      var actions = el("p", "chart-actions");
      var open = el("button", "choice chart-open", "Open chart full size");
      open.type = "button";
      if (reply.text) open.setAttribute("aria-label", "Open chart full size: " + reply.text);
      function show() { openChart(src, img.alt, reply.text, open); }
      open.addEventListener("click", show);
      img.addEventListener("click", show); // a convenience for pointers; the button is the way for keys
      actions.appendChild(open);
      figure.appendChild(actions);
    }
    if (reply.alt) {
      var details = el("details");
      details.appendChild(el("summary", null, "Image description"));
      details.appendChild(el("p", null, reply.alt));
      figure.appendChild(details);
    }
    box.appendChild(figure);
  }

  function openChart(src, alt, title, opener) {
    var image = document.getElementById("chart-dialog-image");
    var heading = document.getElementById("chart-dialog-title");
    heading.textContent = title || "Chart";
    image.src = src;
    image.alt = alt || "";
    chartOpener = opener;
    chartDialog.showModal();
    heading.focus();
  }

  if (chartDialog) {
    document.getElementById("chart-dialog-close").addEventListener("click", function () { chartDialog.close(); });
    chartDialog.addEventListener("close", function () {
      if (chartOpener) chartOpener.focus();
      chartOpener = null;
    });
  }

  function render(reply) {
    if (!reply || typeof reply !== "object") return null;
    if (reply.type === "answered") {
      var qs = log.querySelectorAll(".msg.question");
      for (var i = qs.length - 1; i >= 0; i--) {
        if (qs[i].getAttribute("data-question-id") === String(reply.question_id)) { qs[i].classList.add("answered-done"); break; }
      }
      return null;
    }
    var box = bubble("bot");
    if (reply.type === "question") renderQuestion(box, reply);
    else if (reply.type === "prompt") {
      addParagraphs(box, reply.text);
      if (Array.isArray(reply.choices) && reply.choices.length) choiceButtons(box, reply.choices);
    } else if (reply.type === "links") renderLinks(box, reply);
    else if (reply.type === "guidance") renderGuidance(box, reply);
    else if (reply.type === "notice") renderNotice(box, reply);
    else if (reply.type === "image") renderImage(box, reply);
    else addParagraphs(box, reply.text);
    return box;
  }

  function renderAll(replies, focusLost) {
    var first = null, last = null, lastReply = null;
    (replies || []).forEach(function (reply) {
      var box = render(reply);
      if (box) { first = first || box; last = box; lastReply = reply; }
    });
    var typed = lastReply && lastReply.type === "question" && !(lastReply.choices || []).length;
    answerLimit = typed && lastReply.max_length ? Number(lastReply.max_length) : null;
    updateCount();
    reveal(first);
    if (!last) { if (focusLost) input.focus(); return; }
    // A typed answer goes in the message box: an optional question's Skip button is not its control.
    var control = last.querySelector("button:not([disabled]):not(.skip), input:not([disabled])");
    if (last.classList.contains("question") && !control) input.focus();
    else if (focusLost) (control || input).focus();
  }

  /* ---- sending ---- */
  function freeze() {
    var live = log.querySelectorAll("button:not([disabled]), input[type=checkbox]:not([disabled])");
    var frozen = Array.prototype.slice.call(live);
    frozen.forEach(function (c) { c.disabled = true; });
    return frozen;
  }

  function setBusy(on) {
    busy = on;
    sendButton.disabled = on;
    typing.hidden = !on;
    if (on) reveal(null);
  }

  function post(payload) {
    var headers = { "Content-Type": "application/json", "Accept": "application/json" };
    if (token) headers.Authorization = "Bearer " + token;
    return fetch("/api/chat", { method: "POST", headers: headers, body: JSON.stringify(payload) });
  }

  function send(body, userLabel) {
    if (busy) return false;
    showError("");
    // A control in the log (choice, Continue) is about to be disabled: move focus on afterwards.
    var origin = document.activeElement, focusLost = log.contains(origin);
    var mine = null;
    if (userLabel != null) { mine = userBubble(userLabel); reveal(null); }
    var frozen = freeze();
    function fail(message) { // undo the send so the user can try again
      setBusy(false);
      frozen.forEach(function (c) { c.disabled = false; c.classList.remove("chosen"); });
      if (mine) mine.remove();
      if (body.text != null && userLabel != null && !input.value) { input.value = body.text; updateCount(); }
      showError(message);
      if (focusLost) origin.focus();
    }
    body.user_id = userId;
    body.message_id = uuid(); // reused unchanged for the single retry
    setBusy(true);
    post(body)
      .catch(function () { return post(body); }) // network error: retry once, same message_id
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (data) {
          if (!res.ok) {
            fail(data.error || "Something went wrong (error " + res.status + "). Please try again.");
            return;
          }
          setBusy(false);
          renderAll(data.replies, focusLost);
        });
      })
      .catch(function () {
        fail("Sorry, the chat could not reach the server. Check your connection and try again.");
      });
    return true;
  }

  /* ---- how much can be typed ---- */
  function characters(text) { return Array.from(text).length; } // as the server counts: code points
  function number(n) { return n.toLocaleString("en-GB"); }
  function plural(n, word) { return number(n) + " " + word + (n === 1 ? "" : "s"); }
  function currentLimit() { return answerLimit ? Math.min(answerLimit, messageLimit) : messageLimit; }

  var announceTimer = null, announced = "";
  function updateCount() {
    var max = currentLimit(), used = characters(input.value.trim()), left = max - used;
    window.clearTimeout(announceTimer);
    if (used < Math.floor(max * COUNT_FROM)) {
      count.hidden = true;
      count.textContent = "";
      input.removeAttribute("aria-describedby");
      input.removeAttribute("aria-invalid");
      countStatus.textContent = "";
      announced = "";
      return;
    }
    var text = left >= 0
      ? "You have " + plural(left, "character") + " remaining"
      : "You have " + plural(-left, "character") + " too many";
    count.textContent = text;
    if (count.hidden) {
      count.hidden = false;
      count.scrollIntoView({ block: "nearest" }); // zoomed in, the line below the box may be off screen
    }
    count.classList.toggle("count-over", left < 0);
    input.setAttribute("aria-describedby", "message-count");
    if (left < 0) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
    // Announced once typing pauses, not on every key.
    announceTimer = window.setTimeout(function () {
      if (text !== announced) { countStatus.textContent = text; announced = text; }
    }, ANNOUNCE_AFTER);
  }
  input.addEventListener("input", updateCount);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || busy) { input.focus(); return; }
    var max = currentLimit(), used = characters(text);
    if (used > max) { // kept in the box to be shortened, never sent
      showError("Your message is " + plural(used, "character") + " long. Please shorten it to " +
        number(max) + " or fewer: it has not been sent.");
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
    if (send({ text: text }, text)) { input.value = ""; updateCount(); }
  });

  send({ text: "surveys" }, null);
})();
