// Live notifications: the header's badges count what is unread, a toast tells of each
// new one as it arrives (the private Socket.IO event `notification`), and the inbox page
// (/notifications) follows without a reload:
// - a new notice appears on top of its list, rendered by the server with the page's own
//   template (/notifications/updates), and is said once, politely; the focus stays put;
// - what is read in another tab (the private event `notifications.read`) is read here;
// - after every (re)connect the page asks what it missed (a notice is pushed, never logged).
// "Mark as read" and "Mark all as read" work through the API.

import { api } from "./api.js";
import { announce, highlight, me, t, toast } from "./ui.js";

const READ_EVENT = "notifications.read";
// Counts what this page learnt was read (its own forms, other tabs): an answer to a
// catch-up asked before the latest of these may be older than what the page shows.
let readsSeen = 0;

function setBadge(id, count) {
  const element = document.getElementById(id);
  if (!element || typeof count !== "number") return;
  element.dataset.count = String(count);
  element.querySelector('[data-field="count"]').textContent = String(count);
  element.hidden = count <= 0;
}

export function setUnread(count) {
  setBadge("notification-badge", count);
}

function unread() {
  return Number.parseInt(document.getElementById("notification-badge")?.dataset.count || "0", 10) || 0;
}

/** The open inbox's list, or null on any other page. */
function inboxList() {
  return document.body.dataset.page === "notifications" ? document.getElementById("inbox") : null;
}

export function receiveNotification(notification) {
  if (!notification || typeof notification.id !== "number") return;
  setUnread(unread() + 1);
  document.dispatchEvent(new CustomEvent("board:notification", { detail: notification }));
  if (inboxList()) return; // the inbox shows it on top and says so itself
  // Without a chosen language the server cannot know the page's: it sends each (texts).
  const text = notification.texts?.[me.lang] || notification.text;
  toast(text, "info", { timeout: 8000, link: { href: notification.url, text: t("notification_open") } });
}

/** Read, on the page: no button any more, and a keyboard user who was on it stays on the
 *  notice they just read instead of falling back to the top of the page. */
function showRead(items) {
  for (const item of items) {
    if (!item?.classList.contains("unread")) continue;
    const form = item.querySelector("form.inbox-one");
    const hadFocus = form?.contains(document.activeElement);
    item.classList.replace("unread", "read");
    form?.remove();
    if (hadFocus) item.querySelector(".inbox-text")?.focus();
  }
}

/** After a change: each idea's count of unread notices follows (hidden at none), its
 *  group loses its mark, "Mark all as read" shows only while something is unread, and
 *  the "nothing yet" line only while the list is empty. */
function settleInbox() {
  for (const group of document.querySelectorAll(".inbox-group")) {
    const left = group.querySelectorAll(".inbox-item.unread").length;
    group.classList.toggle("has-unread", left > 0);
    const count = group.querySelector(".inbox-group-title .badge");
    if (count) {
      count.textContent = String(left);
      count.hidden = left === 0;
    }
  }
  const markAll = document.querySelector("form.inbox-all");
  if (markAll) {
    const hadFocus = markAll.contains(document.activeElement);
    markAll.hidden = !document.querySelector(".inbox-item.unread");
    if (hadFocus && markAll.hidden) document.querySelector(".inbox-item .inbox-text")?.focus();
  }
  const empty = document.getElementById("inbox-empty");
  if (empty) empty.hidden = Boolean(document.querySelector(".inbox-item"));
}

function parse(html) {
  // DOMParser documents are inert: nothing in them runs.
  return new DOMParser().parseFromString(`<body>${html}</body>`, "text/html").body;
}

/** Put a group on top of the list as a reload would (the newest unread first), keeping
 *  the focus where it was when it was inside the group. */
function toTop(list, group) {
  if (list.firstElementChild === group) return;
  const focused = group.contains(document.activeElement) ? document.activeElement : null;
  list.prepend(group);
  if (focused && document.activeElement !== focused) focused.focus({ preventScroll: true });
}

/** The server's groups of new notices into the page: into the group of their idea when it
 *  is on the page, else as a group of their own; returns the notices added. */
function mergeGroups(list, html) {
  const added = [];
  // The oldest group first, so that the newest ends on top.
  for (const section of [...parse(html).querySelectorAll("section.inbox-group")].reverse()) {
    const items = [...section.querySelectorAll("li.inbox-item")].filter((li) => !document.getElementById(li.id));
    if (!items.length) continue;
    const existing = [...list.querySelectorAll("section.inbox-group")].find(
      (group) => group.dataset.group === section.dataset.group,
    );
    if (existing) {
      existing.querySelector(".inbox-list").prepend(...items);
      toTop(list, existing);
    } else {
      section.querySelector(".inbox-list").replaceChildren(...items);
      toTop(list, section);
    }
    for (const item of items) highlight(item);
    added.push(...items);
  }
  return added;
}

/** Say what arrived, once, in the page's status line (read out politely). */
function announceArrivals(items) {
  const line = document.getElementById("inbox-news");
  if (!line || !items.length) return;
  const sentence =
    items.length === 1
      ? (line.dataset.one || "{text}").replace("{text}", items[0].querySelector(".inbox-text")?.textContent || "")
      : (line.dataset.many || "{count}").replace("{count}", String(items.length));
  announce("inbox-news", sentence);
}

/** The inbox follows: new notices, what was read elsewhere, the badges. One request at a
 *  time; a change meanwhile asks again when it is done. */
function followInbox(list) {
  let busy = false;
  let again = false;
  async function catchUp() {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      const reads = readsSeen;
      const after = Number(list.dataset.lastId) || 0;
      const url = new URL(list.dataset.updatesUrl, window.location.href);
      url.searchParams.set("after", String(after));
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok || !(response.headers.get("Content-Type") || "").includes("json")) return;
      const news = await response.json();
      const added = mergeGroups(list, news.html || "");
      list.dataset.lastId = String(Math.max(after, Number(news.last_id) || 0));
      const stillUnread = new Set(news.unread_ids || []);
      showRead(
        [...list.querySelectorAll(".inbox-item.unread")].filter((item) => {
          const id = Number(item.dataset.id);
          return id <= after && !stillUnread.has(id);
        }),
      );
      settleInbox();
      if (reads === readsSeen) {
        setUnread(news.unread);
        setBadge("nudge-badge", news.nudges_unread);
      } else {
        again = true; // something was read meanwhile: its counts may be newer; ask again
      }
      announceArrivals(added);
    } catch {
      // Offline or a hiccup: the next notice or reconnect asks again.
    } finally {
      busy = false;
      if (again) {
        again = false;
        catchUp();
      }
    }
  }
  document.addEventListener("board:notification", () => catchUp());
  return catchUp;
}

/** What was read in another tab (or on the nudges page): read here too. */
function readElsewhere(payload) {
  if (!payload || !Array.isArray(payload.ids)) return;
  readsSeen += 1;
  setUnread(payload.unread);
  setBadge("nudge-badge", payload.nudges_unread);
  if (!inboxList()) return;
  showRead(payload.ids.map((id) => document.getElementById(`notification-${id}`)));
  settleInbox();
}

/** The inbox page's "mark as read" forms work through the API and update the badges. */
function enhanceForms(list) {
  list.parentElement.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!form.matches?.("form.inbox-one, form.inbox-all")) return;
    event.preventDefault();
    const id = form.querySelector('input[name="id"]')?.value;
    try {
      const answer = await api("POST", "/notifications/read", id ? { ids: [Number(id)] } : {});
      readsSeen += 1;
      setUnread(answer.unread);
      setBadge("nudge-badge", answer.nudges_unread);
      showRead(id ? [document.getElementById(`notification-${id}`)] : list.querySelectorAll(".inbox-item"));
      settleInbox();
    } catch {
      form.submit();
    }
  });
}

/** Every page: the badges follow what is read elsewhere. The inbox page: its forms, and
 *  the list follows live. board.js calls this just before it opens the live connection
 *  (window.taskForceLive), so the socket is looked up once that has run. */
export function enhanceInbox() {
  const list = inboxList();
  const catchUp = list ? followInbox(list) : null;
  if (list) enhanceForms(list);
  queueMicrotask(() => {
    const socket = window.taskForceLive?.socket;
    if (!socket) return;
    socket.on(READ_EVENT, readElsewhere);
    // A notice pushed while this page was loading or offline is in no log: ask.
    if (catchUp) socket.on("connect", catchUp);
  });
}
