// The calendar page, live: when a task changes (created, planned, claimed, released,
// completed, reopened), the shown month or week is fetched again and its grid replaced with
// the server's rendering, so that filters, language and controls match a fresh page load.
// Without JavaScript the page is the same, only not live.

import { fetchPage } from "./api.js";

const TASK_TYPES = new Set([
  "task.created", "task.updated", "task.claimed", "task.released", "task.completed",
  "task.reopened",
]);
let timer = null;

async function refresh() {
  timer = null;
  const current = document.getElementById("calendar");
  if (!current) return;
  try {
    const page = await fetchPage(window.location.href);
    if (!page) return;
    const fresh = page.getElementById("calendar");
    if (!fresh) return;
    const before = new Map(
      [...current.querySelectorAll(".cal-item")].map((item) => [item.dataset.taskId, item.outerHTML]),
    );
    current.replaceWith(document.importNode(fresh, true));
    for (const item of document.querySelectorAll("#calendar .cal-item")) {
      if (before.get(item.dataset.taskId) !== item.outerHTML) item.classList.add("just-changed");
    }
  } catch {
    /* offline: the next change or a reload brings it */
  }
}

document.addEventListener("board:activity", (event) => {
  if (!TASK_TYPES.has(event.detail?.type)) return; // other types do not change the calendar
  if (timer === null) timer = setTimeout(refresh, 150);
});
