// The people page (/people) follows the work of the people it lists while it is open: when
// someone listed claims, releases, completes or renames a task, or posts, edits, withdraws
// an idea (or one is hidden), the page asks the server for itself anew and puts in those
// people's lines of work ("Working on: …", "3 ideas: …"), exactly as a reload shows them.
// Changes that come together are asked for once. The keyboard stays where it was (on the
// same link, else on that person's name), and the page's status line names who changed.

import { fetchPage } from "./api.js";
import { announce, highlight, t } from "./ui.js";

const list = document.querySelector(".people-list");
const WAIT_MS = 300; // changes in this window are fetched together
let pending = new Set();
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

async function refresh() {
  timer = null;
  const ids = [...pending];
  pending = new Set();
  let page;
  try {
    page = await fetchPage(window.location.href);
    if (!page) return;
  } catch {
    return; // the next change or a reload shows it
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
    names.push(row.querySelector(".people-name [data-field=name]")?.textContent.trim() || "");
  }
  if (names.length) announce("people-status", t("people_changed", { names: names.filter(Boolean).join(", ") }));
}

if (list) {
  document.addEventListener("board:activity", ({ detail }) => {
    for (const id of affected(detail || {})) pending.add(id);
    if (pending.size && !timer) timer = setTimeout(refresh, WAIT_MS);
  });
}
