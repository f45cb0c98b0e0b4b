// The live activity feed (/feed): new public activity appears on top without a reload.
//
// The socket only says "something happened" (an `activity` envelope); the server renders
// the sentences. We ask /feed/updates?after=<last seq>&<the page's filters> and put the
// returned day groups on top, so filters, language, privacy and wording stay on the server.
// After every (re)connect we ask again, so nothing missed while offline is lost.
import { io } from "/static/vendor/socket.io/socket.io.esm.min.js";

const root = document.getElementById("feed-days");
const status = document.getElementById("feed-live");

function setStatus(state, extra) {
  if (!status) return;
  status.dataset.state = state;
  const label = status.dataset[`label${state[0].toUpperCase()}${state.slice(1)}`] || "";
  status.textContent = extra ? `${label} · ${extra}` : label;
}

function parse(html) {
  // DOMParser documents are inert: nothing in them runs.
  return new DOMParser().parseFromString(`<body>${html}</body>`, "text/html").body;
}

function mergeDays(html) {
  const incoming = [...parse(html).querySelectorAll("section.feed-day")];
  let added = 0;
  // Oldest group first, so each prepend leaves the newest on top.
  for (const section of incoming.reverse()) {
    const items = [...section.querySelectorAll("li.feed-item")].filter(
      (li) => !root.querySelector(`li.feed-item[data-seq="${li.dataset.seq}"]`),
    );
    if (!items.length) continue;
    for (const li of items) {
      // A newer vote tally for an idea replaces that day's older one: one line, so it is
      // not counted again when the line it replaces is counted as unseen already.
      let replacesUnseen = false;
      if (li.dataset.collapse) {
        root.querySelectorAll(`li[data-collapse="${li.dataset.collapse}"]`).forEach((old) => {
          replacesUnseen ||= old.dataset.unseen === "1";
          old.remove();
        });
      }
      li.classList.add("feed-item-new");
      li.dataset.unseen = "1";
      if (!replacesUnseen) added += 1;
    }
    const existing = root.querySelector(`section.feed-day[data-day="${section.dataset.day}"]`);
    if (existing) {
      const list = existing.querySelector("ol.feed-items");
      for (const li of items.reverse()) list.prepend(li);
    } else {
      const list = section.querySelector("ol.feed-items");
      list.replaceChildren(...items);
      root.prepend(section);
    }
  }
  // Day groups emptied by a replaced vote tally go away.
  root.querySelectorAll("section.feed-day").forEach((section) => {
    if (!section.querySelector("li.feed-item")) section.remove();
  });
  const empty = document.getElementById("feed-empty");
  if (empty) empty.hidden = Boolean(root.querySelector("li.feed-item"));
  return added;
}

/** A hidden idea's title is withheld from the feed's readers: the lines already on the page
 *  name it by its number from now on, as the server writes them after a reload. */
function withholdTitle(ideaId) {
  if (!Number.isInteger(ideaId)) return;
  for (const link of root.querySelectorAll(`a[href="/ideas/${ideaId}"]`)) {
    const name = document.createElement("bdi");
    name.textContent = `#${ideaId}`;
    link.replaceChildren(name);
  }
}

function newLabel(count) {
  return (status?.dataset.labelNew || "{count}").replace("{count}", String(count));
}

/**
 * Follow the board's activity. When the page's shared live connection (static/js/board.js)
 * runs, listen to its `board:activity` events and its body[data-live] state rather than
 * opening a second socket; otherwise connect on our own.
 */
function follow(onActivity, onState) {
  if (window.taskForceLive) {
    document.addEventListener("board:activity", (event) => onActivity(event.detail));
    const state = () => {
      const live = document.body.dataset.live;
      return live === "1" ? "live" : live === "0" ? "offline" : "connecting";
    };
    new MutationObserver(() => onState(state())).observe(document.body, {
      attributes: true,
      attributeFilter: ["data-live"],
    });
    onState(state());
    return { connected: () => document.body.dataset.live === "1" };
  }
  const socket = io({ withCredentials: true });
  socket.on("connect", () => onState("live"));
  socket.on("disconnect", () => onState("offline"));
  socket.on("connect_error", () => onState("offline"));
  socket.on("activity", onActivity);
  return { connected: () => socket.connected };
}

function start() {
  let lastSeq = Number(root.dataset.lastSeq) || 0;
  let unseen = 0;
  let busy = false;
  let again = false;

  async function catchUp() {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      const url = new URL(root.dataset.updatesUrl, window.location.href);
      url.searchParams.set("after", String(lastSeq));
      const response = await fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      const type = response.headers.get("Content-Type") || "";
      if (!response.ok || !type.includes("json")) return;
      const body = await response.json();
      if (body.last_seq <= lastSeq) return;
      lastSeq = body.last_seq;
      root.dataset.lastSeq = String(lastSeq);
      unseen += mergeDays(body.html);
      const summary = document.getElementById("feed-summary");
      if (summary && body.summary_html) summary.replaceChildren(...parse(body.summary_html).childNodes);
      if (unseen) setStatus("live", newLabel(unseen));
    } catch (error) {
      // Offline or a hiccup: the next connect or activity asks again.
    } finally {
      busy = false;
      if (again) {
        again = false;
        catchUp();
      }
    }
  }

  const onActivity = (envelope) => {
    if (envelope?.type === "idea.hidden") withholdTitle(envelope.data?.idea?.id);
    if (envelope && typeof envelope.seq === "number" && envelope.seq > lastSeq) catchUp();
  };
  const socket = follow(onActivity, (state) => {
    setStatus(state, state === "live" && unseen ? newLabel(unseen) : "");
    if (state === "live") catchUp(); // (re)connected: ask for what happened meanwhile
  });
  // Reading the page counts as having seen what is new.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && unseen) {
      unseen = 0;
      root.querySelectorAll("li[data-unseen]").forEach((li) => delete li.dataset.unseen);
      if (socket.connected()) setStatus("live");
    }
  });
}

function wireFilters() {
  // Picking a date means "between these dates".
  const period = document.getElementById("feed-period");
  document.querySelectorAll("input.feed-date").forEach((input) => {
    input.addEventListener("change", () => {
      if (period && input.value) period.value = "custom";
    });
  });
}

function wireCopy() {
  const button = document.getElementById("feed-url-copy");
  const field = document.getElementById("feed-url");
  if (!button || !field || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(field.value);
      button.textContent = button.dataset.labelCopied || button.textContent;
    } catch (error) {
      field.select();
    }
  });
}

wireFilters();
wireCopy();
if (root && root.dataset.live === "1") start();
