// The people page (/people) follows the work of the people it lists while it is open: when
// someone listed claims, releases, completes or renames a task, or posts, edits, withdraws
// an idea (or one is hidden), the page asks the server for itself anew and puts in those
// people's lines of work ("Working on: …", "3 ideas: …"), exactly as a reload shows them.
// When someone joins the board or leaves it (`person.joined`, `person.left`), the list
// takes in or lets go the people the fresh page adds or drops, each newcomer's row as the
// server rendered it, in its place of the order; the count under the list and the
// departments' table are taken from it too (for an observer who sees departments only,
// the table alone). Changes that come together are asked for once. The keyboard stays
// where it was (on the same link, else on that person's name, else on a neighbour's when
// its row left), and the page's status line names who changed, joined or left.

import { fetchPage } from "./api.js";
import { announce, highlight, t } from "./ui.js";

const list = document.querySelector(".people-list");
const departments = document.querySelector(".people-departments tbody");
const WAIT_MS = 300; // changes in this window are fetched together
const PEOPLE_EVENTS = new Set(["person.joined", "person.left"]);
let pending = new Set();
let regrouped = false; // someone joined or left: the list's members and the counts change
let arrived = new Set(); // row ids of who joined or left: only they are said to have come or gone
let timer = null;

function rowOf(id) {
  return list?.querySelector(`:scope > li.people-row#person-${id}`) || null;
}

/** The listed people whose lines an envelope may change. */
function affected({ type, data }) {
  const ids = new Set();
  if (type?.startsWith("task.") && data?.task) {
    if (rowOf(data.task.claimed_by?.id)) ids.add(data.task.claimed_by.id);
    for (const link of list.querySelectorAll(`.people-work a[href="/tasks/${data.task.id}"]`)) {
      ids.add(Number(link.closest(".people-row").id.replace("person-", "")));
    }
  } else if (type?.startsWith("idea.") && type !== "idea.votes_changed" && data?.idea) {
    if (rowOf(data.idea.author?.id)) ids.add(data.idea.author.id);
    for (const link of list.querySelectorAll(`.people-work a[href="/ideas/${data.idea.id}"]`)) {
      ids.add(Number(link.closest(".people-row").id.replace("person-", "")));
    }
  }
  return ids;
}

/** Put `fresh`'s lines of work into `row`, keeping the keyboard on the same link. */
function replaceWork(row, fresh) {
  const active = row.contains(document.activeElement) ? document.activeElement : null;
  const href = active?.getAttribute("href");
  for (const old of row.querySelectorAll(":scope > .people-work")) old.remove();
  const lines = [...fresh.querySelectorAll(":scope > .people-work")];
  row.append(...lines);
  lines.forEach(highlight);
  if (!active || active.isConnected) return;
  const twin = href ? row.querySelector(`a[href="${CSS.escape(href)}"]`) : null;
  (twin || row.querySelector(".people-name a"))?.focus({ preventScroll: true });
}

function nameOf(row) {
  return row.querySelector(".people-name [data-field=name]")?.textContent.trim() || "";
}

/** Let `row` go; the keyboard, if it was in it, goes on to a neighbour's name. */
function removeRow(row) {
  const neighbour = row.nextElementSibling || row.previousElementSibling;
  const focused = row.contains(document.activeElement);
  row.remove();
  if (focused) neighbour?.querySelector(".people-name a")?.focus({ preventScroll: true });
}

/** A newcomer who shares a listed person's name puts the @handle beside it there too. */
function renamed(row, fresh) {
  const old = row.querySelector(":scope > .people-name");
  const name = fresh.querySelector(":scope > .people-name");
  if (!old || !name || old.innerHTML === name.innerHTML) return;
  const focused = old.contains(document.activeElement);
  old.replaceWith(document.adoptNode(name));
  if (focused) name.querySelector("a")?.focus({ preventScroll: true });
}

/** The list's members as in the fresh `page`: who it dropped leaves, who it added comes in
 *  at their place of its order (someone who joined, or the next after a short list's end
 *  when someone left it). The names of those who joined or left, for the status line. */
function takeMembers(page, moved) {
  const fresh = [...page.querySelectorAll(".people-list > li.people-row")];
  const ids = new Set(fresh.map((row) => row.id));
  const left = [];
  for (const row of list.querySelectorAll(":scope > li.people-row")) {
    if (ids.has(row.id)) continue;
    if (moved.has(row.id)) left.push(nameOf(row));
    removeRow(row);
  }
  const joined = [];
  let previous = null;
  for (const row of fresh) {
    let here = list.querySelector(`:scope > li.people-row#${CSS.escape(row.id)}`);
    if (!here) {
      here = document.adoptNode(row);
      if (previous) previous.after(here);
      else list.prepend(here);
      highlight(here);
      if (moved.has(here.id)) joined.push(nameOf(here));
    } else {
      renamed(here, row);
    }
    previous = here;
  }
  swap(page, ".empty-state", (fresh) => list.before(fresh));
  swap(page, ".list-rest", (fresh) => document.getElementById("people-status")?.after(fresh));
  return { joined, left };
}

/** The list's neighbour `selector` (the empty search's line, the count under the list) as
 *  the fresh page has it, or none where it has none; `put` places a new one. */
function swap(page, selector, put) {
  const old = list.parentElement.querySelector(`:scope > ${selector}`);
  const found = page.querySelector(".people-list")?.parentElement.querySelector(`:scope > ${selector}`);
  const fresh = found ? document.adoptNode(found) : null;
  if (old && fresh) old.replaceWith(fresh);
  else if (old) old.remove();
  else if (fresh) put(fresh);
}

async function refresh() {
  timer = null;
  const ids = [...pending];
  const members = regrouped;
  const moved = arrived;
  pending = new Set();
  regrouped = false;
  arrived = new Set();
  let page;
  try {
    page = await fetchPage(window.location.href);
    if (!page) return;
  } catch {
    return; // the next change or a reload shows it
  }
  const sentences = [];
  if (members) {
    const fresh = page.querySelector(".people-departments tbody");
    if (departments && fresh) departments.replaceChildren(...document.adoptNode(fresh).children);
    if (list) {
      const { joined, left } = takeMembers(page, moved);
      if (joined.length) sentences.push(t("people_joined", { names: joined.filter(Boolean).join(", ") }));
      if (left.length) sentences.push(t("people_left", { names: left.filter(Boolean).join(", ") }));
    }
  }
  const names = [];
  for (const id of ids) {
    const row = rowOf(id);
    const fresh = page.getElementById(`person-${id}`);
    if (!row || !fresh) continue;
    const before = [...row.querySelectorAll(":scope > .people-work")].map((p) => p.outerHTML).join("");
    const after = [...fresh.querySelectorAll(":scope > .people-work")].map((p) => p.outerHTML).join("");
    if (before === after) continue;
    replaceWork(row, fresh);
    names.push(nameOf(row));
  }
  if (names.length) sentences.push(t("people_changed", { names: names.filter(Boolean).join(", ") }));
  if (sentences.length) announce("people-status", sentences.join(" "));
}

function schedule() {
  if ((pending.size || regrouped) && !timer) timer = setTimeout(refresh, WAIT_MS);
}

if (list) {
  document.addEventListener("board:activity", ({ detail }) => {
    for (const id of affected(detail || {})) pending.add(id);
    if (PEOPLE_EVENTS.has(detail?.type)) {
      regrouped = true;
      if (detail.data?.person?.id) arrived.add(`person-${detail.data.person.id}`);
    }
    schedule();
  });
} else if (departments) {
  // An observer who sees departments only: the people per department follow.
  document.addEventListener("board:activity", ({ detail }) => {
    if (PEOPLE_EVENTS.has(detail?.type)) regrouped = true;
    schedule();
  });
}
