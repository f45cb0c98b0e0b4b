// A person's page (/people/<handle>) follows what they do while it is open, from the same
// live connection as every page (board.js's `board:activity`): under "Working on" a task
// they claim comes in on top and one they release or complete leaves; under "Ideas" one
// they post comes in, an edit renames it, a withdrawn one leaves (a hidden one too, for
// whoever reads no hidden titles). Each list as a reload shows it; the keyboard stays in
// the list when its item leaves, and the page's status line says what came or went.

import { announce, highlight, me, t } from "./ui.js";

const section = document.getElementById("person-tasks-section");
const tasks = document.getElementById("person-tasks");
const ideas = document.getElementById("person-ideas");
const personId = Number(section?.dataset.personId || 0);

function newItem(kind, id, title) {
  const item = document.createElement("li");
  item.dataset[kind === "task" ? "taskId" : "ideaId"] = String(id);
  const link = document.createElement("a");
  link.href = `/${kind === "task" ? "tasks" : "ideas"}/${id}`;
  const words = document.createElement("bdi");
  words.textContent = title;
  link.append(words);
  item.append(link);
  return item;
}

function rename(item, title) {
  const words = item.querySelector("bdi") || item.querySelector("a");
  if (words.textContent !== title) words.textContent = title;
}

/** An item leaves its list; a keyboard on it moves to the next one (else the one before,
 *  else the list's heading), never to the top of the page. */
function removeItem(item, heading) {
  if (item.contains(document.activeElement)) {
    const next = item.nextElementSibling || item.previousElementSibling;
    (next?.querySelector("a") || heading)?.focus({ preventScroll: true });
  }
  item.remove();
}

/** Keep a list to the length a reload shows: its last item goes (never the focused one's
 *  place: the focus moves with removeItem). */
function trim(list, heading) {
  const shows = Number(list.dataset.shows || 0);
  while (shows && list.children.length > shows) removeItem(list.lastElementChild, heading);
}

function followTask(task) {
  if (!task || !tasks) return;
  const heading = document.getElementById("person-tasks-heading");
  const item = tasks.querySelector(`:scope > li[data-task-id="${task.id}"]`);
  const holds = task.status === "claimed" && task.claimed_by?.id === personId;
  if (holds && item) {
    rename(item, task.title);
  } else if (holds) {
    const added = newItem("task", task.id, task.title);
    tasks.prepend(added); // the latest claimed first
    section.hidden = false;
    trim(tasks, heading);
    highlight(added);
    announce("person-status", t("person_took_task", { title: task.title }));
  } else if (item) {
    const title = item.textContent;
    removeItem(item, tasks.children.length > 1 ? heading : document.getElementById("person-ideas-heading"));
    section.hidden = tasks.children.length === 0;
    announce("person-status", t("person_left_task", { title }));
  }
}

/** Whether the reader still reads a hidden idea's title (its author, the facilitator). */
function keepsHiddenTitle(idea) {
  return idea.author?.id === me.id || me.role === "facilitator";
}

function followIdea(type, idea) {
  if (!idea || !ideas || idea.author?.id !== personId) return;
  const heading = document.getElementById("person-ideas-heading");
  const item = ideas.querySelector(`:scope > li[data-idea-id="${idea.id}"]`);
  const gone = type === "idea.withdrawn" || (idea.hidden && !keepsHiddenTitle(idea));
  if (gone) {
    if (!item) return;
    removeItem(item, heading);
    document.getElementById("person-ideas-empty").hidden = ideas.children.length > 0;
    return;
  }
  if (item) {
    if (idea.title) rename(item, idea.title);
    return;
  }
  if (type !== "idea.created" || !idea.title) return; // shown again: its place is on a reload
  // newest first, as the page lists them (by number)
  const added = newItem("idea", idea.id, idea.title);
  const after = [...ideas.children].find((other) => Number(other.dataset.ideaId) < idea.id);
  ideas.insertBefore(added, after || null);
  document.getElementById("person-ideas-empty").hidden = true;
  trim(ideas, heading);
  if (!added.isConnected) return;
  highlight(added);
  announce("person-status", t("person_new_idea", { title: idea.title }));
}

if (personId) {
  document.addEventListener("board:activity", ({ detail }) => {
    const type = detail?.type || "";
    if (type.startsWith("task.")) followTask(detail.data?.task);
    else if (type.startsWith("idea.")) followIdea(type, detail.data?.idea);
  });
}
