// What each `activity` envelope changes on the open page. Every handler is idempotent:
// applying the same change twice leaves the page as applying it once.

import { api } from "./api.js";
import {
  channelList, fillCommentState, fillIdeaCard, fillPromptPhase, fillTags, finished, forgetIdeaTitle, formatDay,
  hiddenLine, markHidden, newChallengeIdea, newComment, newIdeaCard, newPromptCard, newPublication,
  newTaskCard, setStatusBadge, setVotes, shownStatus, tallyLine, timeElement,
} from "./render.js";
import { followPhase, noteApplied } from "./phase.js";
import { boardIdeasPath } from "./more.js";
import { shuffledBefore } from "./shuffle.js";
import { announce, fullTime, highlight, me, plural, t, timeAgo, toast } from "./ui.js";

const page = document.body.dataset.page;

function ideaPageId() {
  const root = document.querySelector("[data-idea-page]");
  return root ? Number(root.dataset.ideaPage) : null;
}

// ---- ideas ------------------------------------------------------------------------------

function matchesFilters(list, idea) {
  const { filterDepartment, filterTag } = list.dataset;
  if (filterDepartment && String(idea.author?.department?.id) !== filterDepartment) return false;
  if (filterTag && !(idea.tags || []).includes(filterTag)) return false;
  return true;
}

/** The new idea as the server's search gives it, or null when the board's search does not
 *  find it. A search matches words, not letters ("Lager Fotos" finds "Fotos aus dem Lager",
 *  "kuche" finds "Küche", "age" does not find "Vorlage"; PostgreSQL also by word stems), so
 *  the server is asked, as the reload would: among the newest few that match, is it there? */
async function searchFinds(list, idea) {
  try {
    const answer = await api("GET", boardIdeasPath(list, { sort: "new", limit: "20" }));
    return answer.items.find((item) => item.id === idea.id) || null;
  } catch {
    return null; // not reachable now: the reload shows it
  }
}

/** Where a new idea goes: first for "new"; for "top" and "hot" (both rank by support) it
 *  has no votes yet, so it leads the ideas without votes. Existing cards are not reshuffled. */
function insertIdeaCard(list, card) {
  if (list.dataset.sort === "new") {
    list.prepend(card);
    return;
  }
  const firstWithoutVotes = [...list.children].find((c) => Number(c.dataset.votes || 0) === 0);
  list.insertBefore(card, firstWithoutVotes || null);
}

/** The main list's count, and "No ideas yet" while the board shows no idea at all: not in
 *  the main list, nor in a challenge's group (templates/board.html says the same). */
function refreshIdeaCount(list) {
  const count = document.getElementById("idea-count");
  if (count) count.textContent = String(list.children.length);
  const jump = document.querySelector('[data-jump-count="ideas"]');
  if (jump) jump.textContent = String(list.children.length);
  const empty = document.getElementById("ideas-empty");
  const grouped = document.querySelector("[data-challenge-ideas] > .idea-card");
  if (empty) empty.hidden = list.children.length > 0 || grouped !== null;
}

/** An idea's cards on the board: in the main list, or in its challenge's group. */
function boardCards(ideaId) {
  return document.querySelectorAll(
    `#idea-list .idea-card[data-idea-id="${ideaId}"], [data-challenge-ideas] > .idea-card[data-idea-id="${ideaId}"]`,
  );
}

/** Count an idea into (step 1) or out of (-1) its prompt's badges: "3 ideas" on the prompts
 *  page and the board's strip, "3" beside a challenge page's "Ideas" heading
 *  (data-count-shows="number"); each idea once per step, so that an envelope applied twice
 *  counts once. */
function countPromptIdea(idea, step) {
  if (!idea.prompt_id) return;
  const key = step > 0 ? "added" : "gone";
  for (const badge of document.querySelectorAll(`[data-prompt-ideas="${idea.prompt_id}"]`)) {
    const seen = new Set((badge.dataset[key] || "").split(",").filter(Boolean));
    if (seen.has(String(idea.id))) continue;
    seen.add(String(idea.id));
    badge.dataset[key] = [...seen].join(",");
    const n = Math.max(0, Number(badge.dataset.count || 0) + step);
    badge.dataset.count = String(n);
    badge.textContent = badge.dataset.countShows === "number" ? String(n) : plural("ideas", n);
    highlight(badge);
  }
}

/** Whether `countPromptIdea` has counted this idea out (withdrawn) on this page. */
function countedOut(idea) {
  const badge = document.querySelector(`[data-prompt-ideas="${idea.prompt_id}"]`);
  return (badge?.dataset.gone || "").split(",").includes(String(idea.id));
}

/** Put `element`, idea `ideaId` of challenge `promptId` whose tallies are hidden, into
 *  `list` where the server's order for this person puts it (static/js/shuffle.js); `idOf`
 *  reads the idea id of an element already there. `limited`: the list shows only the
 *  first of the challenge's ideas; then an idea after all of them stays out, and one
 *  that comes in pushes the last one out, as a reload shows it. Returns whether it went in. */
function insertShuffled(list, element, ideaId, promptId, idOf, limited = false) {
  const before = [...list.children].find(
    (other) => other !== element && shuffledBefore(me.id, promptId, ideaId, idOf(other)),
  );
  if (!before && limited) return false;
  list.insertBefore(element, before || null);
  if (limited) list.lastElementChild.remove();
  return true;
}

/** A challenge's own page lists an idea posted to it: for "top" it has no votes yet, so it
 *  leads the ideas without votes; while the tallies are hidden (data-order="shuffle") it
 *  goes where this person's order puts it, as on a reload. */
function listChallengeIdea(idea) {
  const list = document.querySelector("#ideas > ul.idea-list");
  if (!list || !idea.prompt_id || list.querySelector(`:scope > li#idea-${idea.id}`)) return;
  if (countedOut(idea)) return; // withdrawn meanwhile: a replayed envelope brings it not back
  const item = newChallengeIdea(idea);
  if (!item) return;
  if (list.dataset.order === "shuffle") {
    insertShuffled(list, item, idea.id, idea.prompt_id, (li) => Number(li.id.replace("idea-", "")));
  } else {
    const firstWithoutVotes = [...list.children].find((li) => li.dataset.votes === "0");
    list.insertBefore(item, firstWithoutVotes || null);
  }
  document.getElementById("prompt-ideas-empty")?.setAttribute("hidden", "");
  highlight(item.querySelector("article"));
}

/** The head of a challenge's group on the board counts its ideas, "50+" when the board
 *  shows only the first ones (then it stays so); an empty group goes, as on a reload, and
 *  "No ideas yet" follows. */
function refreshChallengeGroup(group) {
  const section = group.closest(".challenge-group");
  const list = document.getElementById("idea-list");
  if (!group.children.length) {
    section?.remove();
    if (!document.querySelector(".challenge-group")) {
      document.getElementById("other-ideas-heading")?.remove();
    }
  } else {
    const count = section?.querySelector('.challenge-group-head [data-field="count"]');
    if (count && !count.textContent.endsWith("+")) count.textContent = String(group.children.length);
  }
  if (list) refreshIdeaCount(list);
}

/** The running challenges with hidden tallies whose ideas the board groups, newest first
 *  (templates/board.html data-grouping-challenges): [{id, title}]. */
function groupingChallenges(list) {
  try {
    return JSON.parse(list.dataset.groupingChallenges || "[]");
  } catch {
    return [];
  }
}

/** The board's group for a challenge that has none yet (its first idea arrives), where a
 *  reload puts it: among the groups in the order of their challenges, newest first, above
 *  the other ideas and their heading. Null when the challenge's ideas are not grouped. */
function newChallengeGroup(list, promptId) {
  const challenges = groupingChallenges(list);
  const place = challenges.findIndex((challenge) => challenge.id === promptId);
  const template = document.getElementById("tpl-challenge-group");
  if (place < 0 || !template) return null;
  const section = template.content.querySelector(".challenge-group").cloneNode(true);
  const headingId = `challenge-group-${promptId}-heading`;
  section.setAttribute("aria-labelledby", headingId);
  section.querySelector(".challenge-group-head").id = headingId;
  const link = section.querySelector(".challenge-group-head a");
  link.href = `/prompts/${promptId}`;
  link.textContent = challenges[place].title;
  const group = section.querySelector("[data-challenge-ideas]");
  group.dataset.challengeIdeas = String(promptId);
  let heading = document.getElementById("other-ideas-heading");
  if (!heading) {
    heading = template.content.getElementById("other-ideas-heading").cloneNode(true);
    list.before(heading);
  }
  const placeOf = (other) => challenges.findIndex((c) => String(c.id) === other.dataset.challengeIdeas);
  const later = [...document.querySelectorAll(".challenge-group [data-challenge-ideas]")]
    .find((other) => placeOf(other) > place);
  (later?.closest(".challenge-group") || heading).before(section);
  return group;
}

/** An idea of a running challenge with hidden tallies joins its challenge's group on the
 *  board, where this person's order puts it (a reload puts it there); the group is made
 *  when it is the first. Returns whether the idea is such an idea. */
function groupChallengeIdea(list, idea) {
  if (!idea.prompt_id) return false;
  const group = document.querySelector(`[data-challenge-ideas="${idea.prompt_id}"]`)
    || newChallengeGroup(list, idea.prompt_id);
  if (!group) return false;
  const card = newIdeaCard(idea);
  if (!card) return true;
  const count = group.closest(".challenge-group")?.querySelector('.challenge-group-head [data-field="count"]');
  const limited = Boolean(count?.textContent.endsWith("+")); // it shows the first ideas only
  const shown = insertShuffled(group, card, idea.id, idea.prompt_id, (other) => Number(other.dataset.ideaId), limited);
  refreshChallengeGroup(group);
  if (shown) highlight(card);
  return true;
}

/** Put `card` into the board's main list before the first card that `comesAfter` says
 *  ranks after it. One that ranks after every card shown waits on a later page while the
 *  board has more ideas to show ("Show more ideas"), as on a reload. Whether it went in. */
function placeInList(list, card, comesAfter) {
  const before = [...list.children].find((other) => other !== card && comesAfter(other));
  if (!before && document.getElementById("more-ideas")) {
    card.remove();
    return false;
  }
  list.insertBefore(card, before || null);
  return true;
}

/** A card's place by what it shows, for when the server's order cannot be had: newest
 *  first for "new", else most votes first, then newest (templates/board.html's hints). */
function shownKey(list, card) {
  const created = card.dataset.created || "";
  const votes = Number(card.dataset.votes || 0);
  const id = Number(card.dataset.ideaId);
  return list.dataset.sort === "new" ? [0, created, id] : [votes, created, id];
}

function keyAfter(a, b) {
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}

/** A challenge with hidden tallies closed: its ideas leave its group on the board for the
 *  main list, each where a reload puts it, by the board's order (asked of the server once,
 *  with the final tallies), and the group goes. Also the ideas a group of its first 50
 *  did not show come in. The keyboard stays on the card it was on. Returns whether the
 *  board had such a group. */
async function ungroupChallengeIdeas(prompt) {
  const list = document.getElementById("idea-list");
  const group = document.querySelector(`[data-challenge-ideas="${prompt.id}"]`);
  if (!list || !group) return false;
  let items = null;
  try {
    // the board's first ideas in its order, sort and filters (the API's largest page)
    ({ items } = await api("GET", boardIdeasPath(list, { sort: list.dataset.sort || "top", limit: "200" })));
  } catch {
    /* placed by what the cards show, below */
  }
  if (!group.isConnected) return true; // this envelope was applied already meanwhile
  const active = document.activeElement;
  const moving = new Map([...group.children].map((card) => [Number(card.dataset.ideaId), card]));
  const moved = [];
  if (items) {
    const place = new Map(items.map((idea, index) => [idea.id, index]));
    // an idea the answer did not reach ranks after every idea it did
    const placeOf = (card) => place.get(Number(card.dataset.ideaId)) ?? items.length;
    for (const idea of items.filter((item) => item.prompt_id === prompt.id)) {
      let card = moving.get(idea.id);
      moving.delete(idea.id);
      if (!card && list.querySelector(`.idea-card[data-idea-id="${idea.id}"]`)) continue;
      card = card || newIdeaCard(idea);
      if (!card) continue;
      setVotes(card, idea.votes, idea.departments_supporting);
      if (placeInList(list, card, (other) => placeOf(other) > place.get(idea.id))) moved.push(card);
    }
    for (const card of moving.values()) {
      if (placeInList(list, card, (other) => placeOf(other) >= items.length)) moved.push(card);
    }
  } else {
    for (const card of moving.values()) {
      const key = shownKey(list, card);
      if (placeInList(list, card, (other) => keyAfter(shownKey(list, other), key))) moved.push(card);
    }
  }
  group.replaceChildren();
  refreshChallengeGroup(group);
  moved.forEach(highlight);
  if (active && active !== document.activeElement) {
    (active.isConnected ? active : document.getElementById("ideas"))?.focus({ preventScroll: true });
  }
  return true;
}

function ideaCreated({ idea }) {
  if (!idea) return;
  countPromptIdea(idea, 1);
  listChallengeIdea(idea);
  const list = document.getElementById("idea-list");
  if (!list) return;
  const existing = document.querySelector(`.idea-card[data-idea-id="${idea.id}"]`);
  if (existing) {
    fillIdeaCard(existing, idea);
    return;
  }
  if (!matchesFilters(list, idea)) return;
  if (list.dataset.filterQ) {
    searchFinds(list, idea).then((found) => found && showNewIdea(list, found));
    return;
  }
  showNewIdea(list, idea);
}

function showNewIdea(list, idea) {
  if (document.querySelector(`.idea-card[data-idea-id="${idea.id}"]`)) return;
  if (groupChallengeIdea(list, idea)) return;
  const card = newIdeaCard(idea);
  if (!card) return;
  insertIdeaCard(list, card);
  refreshIdeaCount(list);
  highlight(card);
}

function ideaUpdated({ idea }) {
  if (!idea) return;
  for (const root of document.querySelectorAll(`.idea-card[data-idea-id="${idea.id}"], [data-idea-page="${idea.id}"]`)) {
    if ("status" in idea) root.dataset.finished = finished(idea) ? "1" : "0";
  }
  refreshIdeaStatus(idea.id);
  // in the main list or in its challenge's group (then its tallies come hidden: votes null)
  for (const card of boardCards(idea.id)) {
    fillIdeaCard(card, idea);
    highlight(card);
  }
  if (ideaPageId() === idea.id) {
    const root = document.querySelector("[data-idea-page]");
    const title = root.querySelector(".idea-detail [data-field=title]");
    if (title) title.textContent = idea.title;
    const body = root.querySelector(".idea-detail [data-field=body]");
    // body_html is sanitized on the server (markdown-it without raw HTML, then nh3).
    if (body) body.innerHTML = idea.body_html;
    fillTags(root.querySelector(".idea-head"), idea.tags);
    showEdited(root, idea);
    highlight(root.querySelector(".idea-detail"));
  }
  for (const link of document.querySelectorAll(`.task-card[data-idea-id-ref="${idea.id}"] [data-field=idea] a`)) {
    link.textContent = idea.title;
  }
  refilterIdea(idea);
}

// ---- an edited idea on a filtered board ---------------------------------------------------

const withdrawnIdeas = new Set(); // a late answer about one of these brings it not back
const refilterAsked = new Map(); // idea id → the newest question about it (answers may cross)

function isFiltered(list) {
  const { filterDepartment, filterTag, filterQ } = list.dataset;
  return Boolean(filterDepartment || filterTag || filterQ);
}

/** The board's filtered list as the server orders it now, and whether that is all of it;
 *  null when it cannot be asked. */
async function filteredOrder(list) {
  try {
    const answer = await api("GET", boardIdeasPath(list, { sort: list.dataset.sort || "top", limit: "200" }));
    return { items: answer.items, complete: !answer.next_cursor };
  } catch {
    return null; // not reachable now: the reload shows it
  }
}

/** An edited idea on a board filtered by department, tag or words: one that no longer
 *  matches leaves the list, one that now matches comes in where a reload puts it (its
 *  department and tag are read here; words are matched by the server's search, as for a
 *  new idea). The keyboard stays in the list, and the status line says what happened. */
async function refilterIdea(idea) {
  const list = document.getElementById("idea-list");
  if (!list || !isFiltered(list) || withdrawnIdeas.has(idea.id)) return;
  if (idea.hidden) return; // its words and tags are withheld from the event: a reload decides
  const shown = boardCards(idea.id).length > 0;
  if (!matchesFilters(list, idea)) {
    if (shown) dropFilteredIdea(list, idea.id, idea.title);
    return;
  }
  if (shown && !list.dataset.filterQ) return; // it matched before and still does
  const question = (refilterAsked.get(idea.id) || 0) + 1;
  refilterAsked.set(idea.id, question);
  const order = await filteredOrder(list);
  if (!order || refilterAsked.get(idea.id) !== question || withdrawnIdeas.has(idea.id)) return;
  const found = order.items.find((item) => item.id === idea.id);
  if (!found) {
    if (order.complete && boardCards(idea.id).length) dropFilteredIdea(list, idea.id, idea.title);
    return;
  }
  if (boardCards(idea.id).length) return;
  const comments = await api("GET", `/ideas/${idea.id}/comments`).catch(() => null);
  if (boardCards(idea.id).length || withdrawnIdeas.has(idea.id)) return;
  if (!enterFilteredIdea(list, found, order.items)) return;
  const card = boardCards(idea.id)[0];
  if (Array.isArray(comments)) showCommentCount(card, comments.length);
  announce("more-ideas-status", t("filter_entered", { title: found.title }));
}

function showCommentCount(card, n) {
  const link = card?.querySelector("[data-field=comments]");
  if (!link) return;
  link.dataset.count = String(n);
  link.textContent = plural("comments", n);
}

/** Put an idea that now matches into the board: with its running challenge (hidden
 *  tallies), else into the main list at its place in the server's `order`. Whether it is
 *  shown (one that ranks after every shown card waits behind "Show more ideas"). */
function enterFilteredIdea(list, idea, order) {
  if (idea.prompt_id && groupingChallenges(list).some((c) => c.id === idea.prompt_id)) {
    return groupChallengeIdea(list, idea) && boardCards(idea.id).length > 0;
  }
  const card = newIdeaCard(idea);
  if (!card) return false;
  const place = new Map(order.map((item, index) => [item.id, index]));
  const placeOf = (other) => place.get(Number(other.dataset.ideaId)) ?? order.length;
  if (!placeInList(list, card, (other) => placeOf(other) > place.get(idea.id))) return false;
  refreshIdeaCount(list);
  highlight(card);
  return true;
}

/** An idea that no longer matches leaves the list (or its challenge's group). A keyboard
 *  that was on it moves to the next card (else the one before, else the ideas' section),
 *  never to the top of the page. */
function dropFilteredIdea(list, ideaId, title) {
  for (const card of boardCards(ideaId)) {
    const group = card.parentElement;
    if (card.contains(document.activeElement)) {
      const next = card.nextElementSibling || card.previousElementSibling;
      const target = next?.querySelector("[data-field=title]") || document.getElementById("ideas");
      target?.focus({ preventScroll: true });
    }
    card.remove();
    if (group.matches("[data-challenge-ideas]")) refreshChallengeGroup(group);
  }
  refreshIdeaCount(list);
  announce("more-ideas-status", t("filter_left", { title }));
}

/** "· edited 2 minutes ago" after who posted it, as the reload says it. */
function showEdited(root, idea) {
  if (!idea.updated_at || idea.updated_at === idea.created_at) return;
  const meta = root.querySelector(".idea-head .idea-meta");
  if (!meta) return;
  let edited = meta.querySelector(".edited");
  if (!edited) {
    edited = document.createElement("span");
    edited.className = "edited";
    meta.append(" ", edited);
  }
  edited.replaceChildren(`· ${t("edited")} `, timeElement(idea.updated_at));
}

function votesChanged(data) {
  for (const root of document.querySelectorAll(`.idea-card[data-idea-id="${data.idea_id}"], [data-idea-page="${data.idea_id}"]`)) {
    setVotes(root, data.votes, data.departments_supporting);
    root.querySelectorAll("[data-field=votes], [data-field=departments]").forEach(highlight);
  }
  // A challenge's own page: the idea's "3 votes · 2 departments", where its tallies show
  // (an idea whose tallies are hidden has no such line, and no event comes for it).
  const item = document.querySelector(`#ideas > ul.idea-list > li#idea-${data.idea_id}`);
  const line = item?.querySelector(":scope > article [data-field=tally]");
  if (line && data.votes !== null && data.votes !== undefined) {
    item.dataset.votes = String(data.votes);
    line.textContent = tallyLine(data.votes, data.departments_supporting);
    highlight(line);
  }
}

// ---- comments ---------------------------------------------------------------------------

function commentCreated({ comment }) {
  if (!comment) return;
  if (ideaPageId() === comment.idea_id) {
    const list = document.getElementById("comment-list");
    if (list && !list.querySelector(`[data-comment-id="${comment.id}"]`)) {
      const item = newComment(comment);
      if (item) {
        list.append(item);
        highlight(item);
      }
      const count = document.getElementById("comment-count");
      if (count) {
        // the page lists its newest comments only: the count is the idea's, not the list's
        count.textContent = String((Number(count.textContent) || 0) + 1);
        highlight(count);
      }
      const empty = document.getElementById("comments-empty");
      if (empty) empty.hidden = true;
    }
  }
  const link = document.querySelector(`.idea-card[data-idea-id="${comment.idea_id}"] [data-field=comments]`);
  if (link) {
    const seen = new Set((link.dataset.seen || "").split(",").filter(Boolean));
    if (!seen.has(String(comment.id))) {
      seen.add(String(comment.id));
      link.dataset.seen = [...seen].join(",");
      const n = Number(link.dataset.count || 0) + 1;
      link.dataset.count = String(n);
      link.textContent = plural("comments", n);
      highlight(link);
    }
  }
}

/** A comment changed in place: edited, deleted, hidden or shown again. Its author and the
 *  facilitator keep reading a hidden comment's words (the event carries none). */
function commentChanged({ comment }) {
  if (!comment || ideaPageId() !== comment.idea_id) return;
  const item = document.querySelector(`#comment-list [data-comment-id="${comment.id}"]`);
  if (!item) return;
  const keepsWords = comment.hidden && (comment.author?.id === me.id || me.role === "facilitator");
  if (!keepsWords) {
    // body_html is sanitized on the server (markdown-it without raw HTML, then nh3).
    item.querySelector("[data-field=body]").innerHTML = comment.body_html || "";
  }
  fillCommentState(item, comment);
  highlight(item);
}

// ---- moderation and withdrawal of ideas -----------------------------------------------------

function ideaHiddenOrShown({ idea }) {
  if (!idea) return;
  forgetIdeaTitle(idea.id);
  const keepsWords = idea.hidden && (idea.author?.id === me.id || me.role === "facilitator");
  // in the main list or in its challenge's group; who keeps the words reads them on
  for (const card of boardCards(idea.id)) {
    if (keepsWords) markHidden(card, idea.hidden);
    else fillIdeaCard(card, idea);
    highlight(card);
  }
  if (ideaPageId() !== idea.id) return;
  const root = document.querySelector("[data-idea-page]");
  const notice = document.getElementById("hidden-notice");
  if (notice) {
    notice.hidden = !idea.hidden;
    notice.textContent = idea.hidden ? hiddenLine(idea.hidden) : "";
    highlight(notice);
  }
  if (keepsWords) return;
  root.querySelector(".idea-detail [data-field=title]").textContent = idea.title || t("hidden_idea");
  // body_html is sanitized on the server (markdown-it without raw HTML, then nh3).
  root.querySelector(".idea-detail [data-field=body]").innerHTML = idea.body_html || "";
  fillTags(root.querySelector(".idea-head"), idea.tags || []);
}

function ideaWithdrawn({ idea }) {
  if (!idea) return;
  withdrawnIdeas.add(idea.id);
  countPromptIdea(idea, -1);
  const list = document.getElementById("idea-list");
  const card = list?.querySelector(`.idea-card[data-idea-id="${idea.id}"]`);
  if (card) {
    card.remove();
    refreshIdeaCount(list);
  }
  // an idea of a running challenge with hidden tallies sits in its challenge's group
  for (const grouped of document.querySelectorAll(`[data-challenge-ideas] > .idea-card[data-idea-id="${idea.id}"]`)) {
    const group = grouped.parentElement;
    grouped.remove();
    refreshChallengeGroup(group);
  }
  // a challenge's own page lists its ideas (templates/prompts_detail.html), counted above
  const item = document.querySelector(`#ideas > ul.idea-list > li#idea-${idea.id}`);
  if (item) {
    const ideas = item.parentElement;
    item.remove();
    document.getElementById("prompt-ideas-empty")?.toggleAttribute("hidden", ideas.children.length > 0);
  }
  if (ideaPageId() === idea.id) showWithdrawnPage(idea);
}

/** The idea page as its reload shows a withdrawn idea: the author's sentence where the
 *  page says it, and no way left to comment, edit or withdraw it (the server refuses). */
function showWithdrawnPage(idea) {
  if (!document.getElementById("withdrawn-notice")) {
    const notice = document.createElement("p");
    notice.className = "notice notice-withdrawn";
    notice.id = "withdrawn-notice";
    notice.setAttribute("role", "note");
    const [before, after] = t("idea_withdrawn_when", { when: "\u0000" }).split("\u0000");
    notice.append(before, timeElement(idea.withdrawn_at), after ?? "");
    document.querySelector(".idea-head .idea-kicker")?.after(notice);
  }
  for (const gone of document.querySelectorAll("#comment-form, #edit-idea, .withdraw-details")) gone.remove();
  const empty = document.getElementById("comments-empty");
  if (empty) empty.textContent = t("no_comments");
}


// ---- tasks ------------------------------------------------------------------------------

/** The list a task belongs in on this page, or null when this page does not show it. */
function taskListFor(task) {
  if (page === "my-tasks") {
    const mine = task.claimed_by?.id === me.id;
    if (task.status === "claimed" && mine) return document.querySelector("#tasks-held .task-list");
    if (task.status === "done" && mine) return document.querySelector("#tasks-completed .task-list");
    if (task.status === "open") return document.querySelector("#tasks-open .task-list");
    return null;
  }
  if (page === "idea") {
    return task.idea_id === ideaPageId() ? document.getElementById("idea-tasks") : null;
  }
  const list = document.querySelector(`#tasks-${task.status} .task-list`);
  // a column of the person's own tasks ("completed by me") shows nobody else's
  if (list?.closest("[data-mine='1']") && task.claimed_by?.id !== me.id) return null;
  return list;
}

// A board column shows its newest tasks and counts all of them (data-total); a task the
// page does not show is remembered by its last status, so that applying an event twice
// counts it once. Without a card or a memory, the event's type says where it came from.
const knownStatus = new Map();
const STATUS_BEFORE = {
  "task.created": null,
  "task.claimed": "open",
  "task.released": "claimed",
  "task.completed": "claimed",
  "task.reopened": "done",
};

function statusBefore(task, old, type) {
  if (old.length) return old[0].dataset.status;
  if (knownStatus.has(task.id)) return knownStatus.get(task.id);
  return type in STATUS_BEFORE ? STATUS_BEFORE[type] : task.status;
}

/** Whether a list shows every task of its column (always, where nothing counts them). */
function showsAll(list) {
  const column = list.closest("[data-total]");
  return !column || list.children.length >= Number(column.dataset.total);
}

/** Newest first. A card older than every shown one joins only a list that showed all of
 *  its column (`complete`): otherwise it belongs on a later page (the column's page). */
function insertByCreated(list, card, complete) {
  const created = card.dataset.created || "";
  const id = Number(card.dataset.taskId);
  const after = [...list.children].find((other) => {
    const otherCreated = other.dataset.created || "";
    return otherCreated < created || (otherCreated === created && Number(other.dataset.taskId) < id);
  });
  if (!after && !complete) return false;
  list.insertBefore(card, after || null);
  return true;
}

/** The counted column (data-total) that holds tasks of `status` like `task` on this page. */
function countedColumn(status, task) {
  if (!status) return null;
  const mine = task.claimed_by?.id === me.id;
  if (page === "my-tasks") {
    const id = status === "open" ? "tasks-open" : !mine ? null
      : status === "done" ? "tasks-completed" : "tasks-held";
    return id ? document.querySelector(`#${id}[data-total]`) : null;
  }
  const column = document.querySelector(`#tasks-${status}[data-total]`);
  return column && (column.dataset.mine !== "1" || mine) ? column : null;
}

function moveTotal(task, from, to) {
  if (from === to) return;
  for (const [status, step] of [[from, -1], [to, 1]]) {
    const column = countedColumn(status, task);
    if (column) column.dataset.total = String(Math.max(0, Number(column.dataset.total) + step));
  }
}

function refreshColumns() {
  for (const list of document.querySelectorAll(".task-list")) {
    const column = list.parentElement;
    const shown = list.children.length;
    const total = column.dataset.total === undefined ? shown : Number(column.dataset.total);
    const count = column.querySelector(":scope > h1 [data-field=count], :scope > h2 [data-field=count], :scope > h3 [data-field=count]");
    if (count) count.textContent = String(total);
    const jump = column.id && document.querySelector(`[data-jump-count="${column.id}"]`);
    if (jump) jump.textContent = String(total);
    const empty = column.querySelector(":scope > .empty-column");
    if (empty) empty.hidden = shown > 0;
    const more = column.querySelector(":scope > [data-field=more]");
    if (more?.querySelector("a")) more.hidden = shown >= total;
  }
}

/** An idea's badge and progress follow from its tasks. The badge's rule (render.js
 *  `shownStatus`, board/web/cards.py `shown_status`): done once it went live or its author
 *  says so (data-finished), open while no task has been taken up, in progress otherwise,
 *  also when every task so far is done (the progress shows 3 / 3). The idea page shows all
 *  of an idea's tasks, and so does the board while no column has more than it shows: then
 *  the cards decide. Otherwise the board moves the idea's numbers by the task's step
 *  (`from` → `to`). */
function refreshIdeaStatus(ideaId, from, to) {
  if (!ideaId || page === "my-tasks" || page === "task") return;
  const lists = [...document.querySelectorAll(".task-column[data-total] > .task-list")];
  if (page === "board" && !lists.every(showsAll)) {
    stepIdeaStatus(ideaId, from, to);
    return;
  }
  const statuses = [...document.querySelectorAll(`.task-card[data-idea-id-ref="${ideaId}"]`)]
    .map((card) => card.dataset.status);
  for (const root of document.querySelectorAll(`.idea-card[data-idea-id="${ideaId}"], [data-idea-page="${ideaId}"]`)) {
    const status = root.dataset.finished === "1" ? "done"
      : statuses.every((s) => s === "open") ? "open" : "in_progress";
    const badge = root.matches(".idea-card") ? root.querySelector("[data-field=status]")
      : root.querySelector(".idea-head [data-field=status]");
    if (badge) setStatusBadge(badge, status);
    setProgress(root, statuses.filter((s) => s === "done").length, statuses.length);
  }
}

function stepIdeaStatus(ideaId, from, to) {
  if (from === to) return; // nothing moved (or this event was applied already)
  for (const card of document.querySelectorAll(`.idea-card[data-idea-id="${ideaId}"]`)) {
    const progress = card.querySelector("[data-field=progress]");
    const done = Number(progress?.dataset.done || 0) + (to === "done") - (from === "done");
    const total = Number(progress?.dataset.total || 0) + (from === null);
    setProgress(card, done, total);
    const badge = card.querySelector("[data-field=status]");
    if (!badge) continue;
    const claimed = document.querySelector("#tasks-claimed > .task-list");
    let status = badge.className.match(/status-(\w+)/)?.[1] || "open";
    if (card.dataset.finished === "1") status = "done";
    else if (to !== "open") status = "in_progress";
    else if (from === null) continue; // a new open task changes nothing
    else if (done > 0 || claimed?.querySelector(`[data-idea-id-ref="${ideaId}"]`)) status = "in_progress";
    else if (claimed && showsAll(claimed)) status = "open";
    else {
      // Given back, and the board cannot see whether another of its tasks is taken up.
      api("GET", `/ideas/${ideaId}`).then((idea) => {
        for (const root of document.querySelectorAll(`.idea-card[data-idea-id="${ideaId}"]`)) {
          setStatusBadge(root.querySelector("[data-field=status]"), shownStatus(idea));
          setProgress(root, idea.tasks_done || 0, idea.tasks_total || 0);
        }
      }).catch(() => {});
      continue;
    }
    setStatusBadge(badge, status);
  }
}

function setProgress(root, done, total) {
  for (const element of root.querySelectorAll("[data-field=progress]")) {
    element.hidden = total === 0;
    element.dataset.done = String(done);
    element.dataset.total = String(total);
    element.textContent = t("tasks_done", { done, total });
  }
}

/** An idea went live: it is done, and its page lists where. */
function ideaPublished({ idea }) {
  if (!idea) return;
  for (const root of document.querySelectorAll(`.idea-card[data-idea-id="${idea.id}"], [data-idea-page="${idea.id}"]`)) {
    root.dataset.finished = "1";
    const badge = root.matches(".idea-card") ? root.querySelector("[data-field=status]")
      : root.querySelector(".idea-head [data-field=status]");
    if (badge) setStatusBadge(badge, shownStatus(idea));
    setProgress(root, idea.tasks_done || 0, idea.tasks_total || 0);
    highlight(badge);
  }
  if (ideaPageId() !== idea.id) return;
  const list = document.getElementById("publication-list");
  if (!list || !document.getElementById("tpl-publication")) return;
  list.replaceChildren(...(idea.publications || []).map(newPublication));
  document.getElementById("publications-empty")?.setAttribute("hidden", "");
  highlight(list.lastElementChild);
}

/** The task page's plan as facts (its publishing day, channels and "help wanted"), as
 *  templates/task.html writes them, from the texts it leaves on each field. */
function showPlanFacts(article, task) {
  const day = article.querySelector("dd[data-field=publish-on]");
  if (day && task.publish_on) {
    const time = document.createElement("time");
    time.setAttribute("datetime", task.publish_on);
    time.textContent = formatDay(task.publish_on, { weekday: "short", year: "numeric", month: "short", day: "numeric" });
    const link = document.createElement("a");
    link.href = `/calendar?date=${task.publish_on}`;
    link.textContent = day.dataset.calendar;
    day.replaceChildren(time, " · ", link);
  } else if (day) {
    day.replaceChildren(day.dataset.empty);
  }
  const channels = article.querySelector("dd[data-field=channel-facts]");
  if (channels && task.channels?.length) {
    channels.replaceChildren(channelList(task.channels));
  } else if (channels) {
    const none = document.createElement("span");
    none.className = "muted";
    none.textContent = channels.dataset.empty;
    channels.replaceChildren(none);
  }
  const help = article.querySelector("[data-field=help-wanted]");
  if (help) help.hidden = !task.help_wanted;
}

function updateTaskPage(task) {
  const article = document.querySelector(`.task-detail[data-task-id="${task.id}"]`);
  if (!article) return;
  const fresh = newTaskCard(task);
  if (!fresh) return;
  article.dataset.status = task.status;
  article.dataset.claimedBy = fresh.dataset.claimedBy;
  article.className = `task-detail ${fresh.className}`;
  setStatusBadge(article.querySelector("[data-field=status]"), task.status);
  article.querySelector("[data-field=claim]")?.replaceWith(fresh.querySelector("[data-field=claim]"));
  showPlanFacts(article, task);
  article.querySelector(".task-actions")?.replaceWith(fresh.querySelector(".task-actions"));
  highlight(article);
}

/** Show `task` where it now belongs (created, claimed, released or completed); `type`:
 *  the event that moved it, if any. */
export function showTask(task, type) {
  if (!task) return;
  if (page === "task") {
    updateTaskPage(task);
    return;
  }
  const card = newTaskCard(task);
  const old = [...document.querySelectorAll(`.task-card[data-task-id="${task.id}"]`)];
  const from = statusBefore(task, old, type);
  const list = taskListFor(task);
  const complete = list !== null && showsAll(list); // before anything moves
  old.forEach((element) => element.remove());
  if (card && list && insertByCreated(list, card, complete)) highlight(card);
  knownStatus.set(task.id, task.status);
  moveTotal(task, from, task.status);
  refreshColumns();
  refreshIdeaStatus(task.idea_id, from, task.status);
}

function taskChanged(type) {
  return ({ task }) => showTask(task, type);
}

// ---- prompts and nudges -------------------------------------------------------------------

/** When the challenge's current phase ends: submissions while collecting, else voting. */
function closesAt(prompt) {
  return prompt.phase === "collecting" ? prompt.submissions_close_at : prompt.voting_close_at;
}

/** The phase line as templates/board.html writes it: "Collecting ideas · closes in 3 days". */
function fillPhase(element, prompt) {
  const challenge = prompt.kind === "challenge";
  if (challenge && prompt.phase === "collecting" && prompt.submissions_close_at) {
    element.textContent = t("strip_collecting_closes", { when: timeAgo(prompt.submissions_close_at, { deadline: true }) });
  } else if (challenge && prompt.phase === "voting" && prompt.voting_close_at) {
    element.textContent = t("strip_voting_closes", { when: timeAgo(prompt.voting_close_at, { deadline: true }) });
  } else {
    element.textContent = t(prompt.phase === "voting" ? "phase_voting" : "phase_collecting");
  }
  if (challenge && closesAt(prompt)) element.title = fullTime(closesAt(prompt));
  else element.removeAttribute("title");
}

/** The vote rules: "3 votes per person · tallies hidden until it closes". */
function rulesText(prompt) {
  const rules = [];
  if (prompt.votes_per_person) rules.push(plural("votes_per_person", prompt.votes_per_person));
  if (prompt.hide_tallies) rules.push(t("tallies_hidden_rule"));
  return rules.join(" · ");
}

/** A new prompt's "0 ideas", which `countPromptIdea` then keeps counting. */
function ideaCountBadge(prompt, className) {
  const badge = document.createElement("span");
  badge.className = className;
  badge.dataset.promptIdeas = String(prompt.id);
  badge.dataset.count = "0";
  badge.textContent = plural("ideas", 0);
  return badge;
}

/** A card of the "Now on the board" strip, the same as the server renders it. */
function promptCard(prompt) {
  const card = document.createElement("li");
  card.className = `strip-card kind-${prompt.kind} phase-${prompt.phase}`;
  card.dataset.promptId = String(prompt.id);
  const kind = document.createElement("p");
  kind.className = "strip-kind";
  const pill = document.createElement("span");
  pill.className = prompt.kind === "challenge" ? "pill pill-challenge" : "pill";
  pill.textContent = t(prompt.kind === "challenge" ? "kind_challenge" : "kind_prompt");
  const phase = document.createElement("span");
  phase.className = "strip-phase";
  phase.dataset.field = "phase";
  fillPhase(phase, prompt);
  kind.append(pill, " ", phase, ideaCountBadge(prompt, "count strip-ideas"));
  const heading = document.createElement("h3");
  const link = document.createElement("a");
  link.href = `/prompts/${prompt.id}`;
  link.textContent = prompt.title;
  heading.append(link);
  card.append(kind, heading);
  if (prompt.kind === "challenge") {
    const rules = document.createElement("p");
    rules.className = "strip-rules";
    rules.dataset.field = "rules";
    rules.textContent = rulesText(prompt);
    card.append(rules);
  }
  return card;
}

async function promptPhaseChanged({ prompt }) {
  if (!prompt) return;
  followGroupingChallenges(prompt, false);
  const card = document.querySelector(`.strip-card[data-prompt-id="${prompt.id}"]`);
  if (card && prompt.phase === "closed") card.remove();
  if (card && prompt.phase !== "closed") {
    card.className = `strip-card kind-${prompt.kind} phase-${prompt.phase}`;
    const phase = card.querySelector("[data-field=phase]");
    if (phase) fillPhase(phase, prompt);
    highlight(card);
  }
  // a challenge's own page: its head follows, and so do its forms, votes and results
  const head = document.querySelector(`.prompt-head[data-prompt-page="${prompt.id}"]`);
  if (head && prompt.kind === "challenge") {
    fillPromptPhase(head, prompt);
    followPhase(head, prompt, (envelope) => applyEnvelope(envelope, { replay: true }));
  }
  // the prompt list's card keeps a closed challenge, as its results' way in
  const listed = document.querySelector(`#prompt-list .prompt-card[data-prompt-id="${prompt.id}"]`);
  if (listed && prompt.kind === "challenge") {
    fillPromptPhase(listed, prompt);
    highlight(listed);
  }
  if (prompt.phase !== "closed" || !prompt.hide_tallies) return;
  // Hidden tallies appear when a challenge closes: on the board its ideas leave its group
  // for the main list, with them; elsewhere, fetch them once for the cards shown.
  if (await ungroupChallengeIdeas(prompt)) return;
  const shown = document.querySelectorAll(".idea-card[data-idea-id], [data-idea-page]");
  if (!shown.length) return;
  try {
    const { items } = await api("GET", `/ideas?prompt_id=${prompt.id}&limit=1000`);
    for (const idea of items) {
      votesChanged({ idea_id: idea.id, votes: idea.votes, departments_supporting: idea.departments_supporting });
    }
  } catch {
    /* the next page load shows them */
  }
}

/** The prompts page's list (newest first) takes a prompt posted while it is open. Returns
 *  whether the page has that list. */
function listPrompt(prompt) {
  const list = document.getElementById("prompt-list");
  if (!list) return false;
  if (list.querySelector(`[data-prompt-id="${prompt.id}"]`)) return true;
  const item = newPromptCard(prompt);
  if (!item) return false;
  list.prepend(item);
  list.hidden = false;
  document.getElementById("prompts-empty")?.setAttribute("hidden", "");
  highlight(item.querySelector(".prompt-card"));
  return true;
}

/** The board groups the ideas of a challenge with hidden tallies posted while it is open
 *  (newest first, as a reload lists them), and no longer those of one that has closed. */
function followGroupingChallenges(prompt, created) {
  const list = document.getElementById("idea-list");
  if (!list || list.dataset.groupingChallenges === undefined) return;
  const challenges = groupingChallenges(list);
  const place = challenges.findIndex((challenge) => challenge.id === prompt.id);
  const grouped = prompt.kind === "challenge" && prompt.hide_tallies && prompt.phase !== "closed";
  if (grouped && place < 0 && created) challenges.unshift({ id: prompt.id, title: prompt.title });
  else if (!grouped && place >= 0) challenges.splice(place, 1);
  else return;
  list.dataset.groupingChallenges = JSON.stringify(challenges);
}

function promptCreated({ prompt }, replay) {
  if (!prompt) return;
  followGroupingChallenges(prompt, true);
  const list = document.getElementById("strip-list");
  if (list && prompt.phase !== "closed" && !list.querySelector(`[data-prompt-id="${prompt.id}"]`)) {
    const card = promptCard(prompt);
    list.prepend(card);
    const strip = document.getElementById("prompt-strip");
    if (strip) strip.hidden = false;
    list.scrollLeft = 0; // on a phone the strip is a carousel: the new card is its first
    highlight(card);
  }
  if (listPrompt(prompt) || replay || list) return;
  toast(prompt.title, "info", { timeout: 8000, link: { href: `/prompts/${prompt.id}`, text: "→" } });
}

function nudgeSent({ nudge }, replay) {
  if (!nudge || nudge.from?.id === me.id) return; // the sender receives it too
  const badge = document.getElementById("nudge-badge");
  if (badge) {
    const n = Number(badge.dataset.count || 0) + 1;
    badge.dataset.count = String(n);
    const count = badge.querySelector("[data-field=count]");
    if (count) count.textContent = String(n);
    badge.hidden = false;
    highlight(badge);
  }
  if (!replay) toast(t("new_nudge"), "info", { link: { href: "/nudges", text: "→" } });
}

const HANDLERS = {
  "idea.created": ideaCreated,
  "idea.updated": ideaUpdated,
  "idea.votes_changed": votesChanged,
  "idea.published": ideaPublished,
  "comment.created": commentCreated,
  "comment.updated": commentChanged,
  "comment.deleted": commentChanged,
  "comment.hidden": commentChanged,
  "comment.unhidden": commentChanged,
  "idea.hidden": ideaHiddenOrShown,
  "idea.unhidden": ideaHiddenOrShown,
  "idea.withdrawn": ideaWithdrawn,
  "task.reopened": taskChanged("task.reopened"),
  "task.created": taskChanged("task.created"),
  "task.claimed": taskChanged("task.claimed"),
  "task.released": taskChanged("task.released"),
  "task.completed": taskChanged("task.completed"),
  "task.updated": taskChanged("task.updated"),
  "prompt.created": promptCreated,
  "prompt.phase_changed": promptPhaseChanged,
  "nudge.sent": nudgeSent,
};

/** Apply one envelope to the page; `replay` is set while catching up (no toasts then). */
export function applyEnvelope(envelope, { replay = false } = {}) {
  const handler = HANDLERS[envelope.type];
  if (handler) handler(envelope.data || {}, replay);
  noteApplied(envelope);
}
