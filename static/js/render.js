// Cards for live changes, cloned from the <template>s the server rendered (so markup,
// language and role-based controls match the server's) and filled with textContent only:
// user text never becomes markup. The one exception is *_html, which the server has
// already sanitized (Markdown → nh3), exactly as the server-rendered page shows it.

import { api } from "./api.js";
import { fullTime, me, plural, t, timeAgo } from "./ui.js";

function fromTemplate(id) {
  const template = document.getElementById(id);
  return template ? template.content.firstElementChild.cloneNode(true) : null;
}

function field(root, name) {
  return root.querySelector(`[data-field="${name}"]`);
}

function deptClass(department) {
  return `dept-c${(department?.id || 0) % 8}`;
}

/** Fill a `person` span (dot, name or "you", department). `you` is the word for the
 * reader in this place of the sentence ("Übernommen von dir"). */
function fillPerson(root, user, you = t("you")) {
  const person = root.querySelector(".person");
  if (!person || !user) return;
  const dot = person.querySelector(".dept-dot");
  if (dot) dot.className = `dept-dot ${deptClass(user.department)}`;
  person.classList.toggle("is-you", user.id === me.id);
  const name = person.querySelector("[data-field=name]");
  if (name) name.textContent = user.id === me.id ? you : user.display_name;
  // Two people with the same name: the @handle tells them apart (the server says which).
  const handle = person.querySelector("[data-field=handle]");
  if (handle) {
    handle.textContent = user.handle ? `@${user.handle}` : "";
    handle.hidden = user.id === me.id || !user.name_shared || !user.handle;
  }
  const department = person.querySelector("[data-field=department]");
  // someone shown as their department (no id) has it in the name: "someone from Marketing"
  if (department) department.textContent = user.id == null ? "" : user.department?.name || "";
}

function fillTime(element, iso) {
  if (!element) return;
  element.setAttribute("datetime", iso || "");
  element.textContent = timeAgo(iso);
  element.title = fullTime(iso);
}

/** <time> as the server's time_ago macro writes it (templates/partials/cards.html). */
export function timeElement(iso) {
  const time = document.createElement("time");
  time.dataset.field = "time";
  fillTime(time, iso);
  return time;
}

/** Plain text for a card from a Markdown body: the same idea as the server's excerpt filter. */
export function excerpt(text, length = 180) {
  const plain = (text || "")
    .replace(/!\[[^\]]*\]\([^)]*\)/g, "")
    .replace(/^\s*(?:[-+*]|\d+\.)\s+/gm, "· ")
    .replace(/\(https?:\/\/[^)]*\)/g, "")
    .replace(/[*_`>#~[\]]/g, "")
    .split(/\s+/).filter(Boolean).join(" ");
  if (plain.length <= length) return plain;
  const cut = plain.slice(0, length);
  return `${cut.slice(0, cut.lastIndexOf(" ") > 0 ? cut.lastIndexOf(" ") : length)}…`;
}

export function fillTags(root, tags) {
  const list = field(root, "tags");
  if (!list) return;
  const items = (tags || []).map((tag) => {
    const item = fromTemplate("tpl-tag") || document.createElement("li");
    const link = item.querySelector("a") || item.appendChild(document.createElement("a"));
    link.href = `/?tag=${encodeURIComponent(tag)}`;
    link.textContent = `#${tag}`;
    return item;
  });
  list.replaceChildren(...items);
}

/** Vote numbers inside `root` (a card or the idea page); null means hidden tallies: then
 *  the box shows no number, and the support line alone says why (board/web/cards.py). */
export function setVotes(root, votes, departments) {
  for (const box of root.querySelectorAll(".vote-box")) {
    const hidden = votes === null || votes === undefined;
    box.dataset.hidden = hidden ? "1" : "0";
    const count = box.querySelector("[data-field=votes]");
    if (count) {
      count.hidden = hidden;
      count.textContent = hidden ? "" : String(votes);
    }
    const label = box.querySelector("[data-field=votes-label]");
    if (label) {
      label.hidden = hidden;
      label.textContent = hidden ? "" : votes === 1 ? t("vote") : t("votes");
    }
  }
  for (const line of root.querySelectorAll("[data-field=departments]")) {
    if (departments === null || departments === undefined) line.textContent = t("hidden_tallies");
    else if (departments === 0) line.textContent = t("no_votes");
    else line.textContent = plural("departments", departments);
  }
  if (root.classList.contains("idea-card")) root.dataset.votes = String(votes ?? 0);
}

/** The caller's own vote state on every vote button inside `root`. */
export function setVoted(root, voted, title) {
  for (const box of root.querySelectorAll(".vote-box")) box.classList.toggle("is-voted", voted);
  for (const form of root.querySelectorAll("form[data-api=vote]")) {
    const input = form.querySelector("input[name=vote]");
    if (input) input.value = voted ? "0" : "1";
    const button = form.querySelector("button");
    if (!button) continue;
    button.dataset.action = voted ? "unvote" : "vote";
    button.setAttribute("aria-pressed", voted ? "true" : "false");
    if (title !== undefined) button.setAttribute("aria-label", t(voted ? "unvote_for" : "vote_for", { title }));
  }
}

/** It went live or its author says it is done (board/web/cards.py `finished`). */
export function finished(idea) {
  return Boolean(idea.marked_done || idea.publications?.length);
}

/** The badge an idea shows (board/web/cards.py `shown_status`): Done only once it is
 *  finished; until then In progress as soon as work started, even when every task so far
 *  is done. The API's `status` follows the tasks alone. */
export function shownStatus(idea) {
  if (finished(idea)) return "done";
  return idea.status === "open" ? "open" : "in_progress";
}

export function setStatusBadge(element, status) {
  if (!element) return;
  element.className = `status-badge status-${status}`;
  element.textContent = t(`status_${status}`);
}

function promptTitle(promptId) {
  const link = document.querySelector(`[data-prompt-id="${promptId}"] h3 a`);
  return link ? link.textContent : `#${promptId}`;
}

function knownIdeaTitle(ideaId) {
  const link = document.querySelector(`.idea-card[data-idea-id="${ideaId}"] [data-field=title]`)
    || document.querySelector(`.task-card[data-idea-id-ref="${ideaId}"] [data-field=idea] a`);
  return link ? link.textContent : null;
}

// Titles asked of the server, once per idea and page (forgotten when it is hidden or shown).
const askedTitles = new Map();

export function forgetIdeaTitle(ideaId) {
  askedTitles.delete(ideaId);
}

/** A live task card's idea link, named by its title as the reload names it. A page that
 *  shows neither the idea nor another of its tasks does not know the title: it says
 *  "Idea #4" at once and asks the server (which withholds a hidden idea's title: then the
 *  number stays, as after a reload). */
function nameIdeaLink(link, ideaId) {
  const known = knownIdeaTitle(ideaId);
  link.textContent = known ?? t("idea_n", { id: ideaId });
  if (known !== null) return;
  if (!askedTitles.has(ideaId)) {
    askedTitles.set(ideaId, api("GET", `/ideas/${ideaId}`).then((idea) => idea.title || null, () => null));
  }
  askedTitles.get(ideaId).then((title) => {
    if (title && link.textContent === t("idea_n", { id: ideaId })) link.textContent = title;
  });
}

/** Whether a board card shows its idea as hidden, and why (`hidden`: the idea's, or null). */
export function markHidden(card, hidden) {
  card.classList.toggle("is-hidden", Boolean(hidden));
  const reason = field(card, "hidden");
  if (reason) {
    reason.hidden = !hidden;
    reason.textContent = hidden ? hiddenLine(hidden) : "";
  }
}

/** A board card for an idea (new, or refreshed after idea.updated). */
export function fillIdeaCard(card, idea) {
  card.id = `idea-${idea.id}`;
  card.dataset.ideaId = String(idea.id);
  card.dataset.created = idea.created_at || "";
  card.dataset.departmentId = String(idea.author?.department?.id ?? "");
  card.dataset.tags = (idea.tags || []).join(" ");
  card.className = `idea-card status-${shownStatus(idea)}`;
  const title = field(card, "title");
  title.textContent = idea.title;
  title.href = `/ideas/${idea.id}`;
  fillPerson(card.querySelector(".idea-meta") || card, idea.author);
  fillTime(field(card, "time"), idea.created_at);
  field(card, "excerpt").textContent = excerpt(idea.body);
  if (!idea.title && idea.hidden) title.textContent = t("hidden_idea");
  markHidden(card, idea.hidden);
  const thumb = field(card, "thumb");
  if (thumb) {
    const first = (idea.images || [])[0];
    thumb.hidden = !first;
    if (first) thumb.src = first.url;
    else thumb.removeAttribute("src");
  }
  fillTags(card, idea.tags);
  const label = field(card, "votes-label");
  if (label) label.id = `votes-label-${idea.id}`;
  field(card, "votes")?.setAttribute("aria-describedby", `votes-label-${idea.id}`);
  const form = card.querySelector("form[data-api=vote]");
  if (form) {
    form.action = `/ideas/${idea.id}/vote`;
    form.dataset.voteIdea = String(idea.id);
  }
  setVotes(card, idea.votes, idea.departments_supporting);
  if ("voted" in idea) setVoted(card, Boolean(idea.voted), idea.title);
  else setVoted(card, card.querySelector(".vote-box.is-voted") !== null, idea.title);
  const comments = field(card, "comments");
  if (comments) comments.href = `/ideas/${idea.id}#comments`;
  setStatusBadge(field(card, "status"), shownStatus(idea));
  const progress = field(card, "progress");
  if (progress && "tasks_total" in idea) {
    const done = idea.tasks_done || 0;
    const total = idea.tasks_total || 0;
    progress.hidden = total === 0;
    progress.dataset.done = String(done);
    progress.dataset.total = String(total);
    progress.textContent = t("tasks_done", { done, total });
  }
  const prompt = field(card, "prompt");
  if (prompt) {
    prompt.hidden = !idea.prompt_id;
    if (idea.prompt_id) {
      const link = document.createElement("a");
      link.href = `/prompts/${idea.prompt_id}`;
      link.textContent = t("answers", { title: promptTitle(idea.prompt_id) });
      prompt.replaceChildren(link);
    }
  }
  return card;
}

/** A card for the prompts page's list (templates/prompts.html `prompt_card`) of a prompt
 *  just posted: no ideas yet, and a challenge still collecting them (the template's phase
 *  and deadline); null for anything else, which the next load shows. */
export function newPromptCard(prompt) {
  if (prompt.kind === "challenge" && prompt.phase !== "collecting") return null;
  const item = fromTemplate(`tpl-prompt-card-${prompt.kind}`);
  if (!item) return null;
  item.querySelector(".prompt-card").dataset.promptId = String(prompt.id);
  const title = field(item, "title");
  title.href = `/prompts/${prompt.id}`;
  title.textContent = prompt.title;
  const count = item.querySelector("[data-prompt-ideas]");
  count.dataset.promptIdeas = String(prompt.id);
  count.dataset.count = "0";
  count.textContent = plural("ideas", 0);
  const text = field(item, "excerpt");
  if (prompt.body) text.textContent = excerpt(prompt.body);
  else text.remove();
  fillPromptPhase(item.querySelector(".prompt-card"), prompt);
  field(item, "author").textContent = prompt.author?.display_name || "";
  fullTimeIn(item.querySelector("footer time"), prompt.created_at);
  return item;
}

/** A challenge page's votes line, as templates/prompts_detail.html writes it:
 *  "3 votes · 2 departments". */
export function tallyLine(votes, departments) {
  return `${plural("idea_votes", votes)} · ${plural("idea_departments", departments || 0)}`;
}

/** An idea of the challenge whose page this is (templates/prompts_detail.html
 *  `idea_item`), posted while the page is open; null on another page. The template is
 *  idea 0's: its links and form actions point at idea 0 until filled in. */
export function newChallengeIdea(idea) {
  const template = document.getElementById("tpl-challenge-idea");
  if (!template || template.dataset.prompt !== String(idea.prompt_id)) return null;
  const item = template.content.firstElementChild.cloneNode(true);
  item.id = `idea-${idea.id}`;
  const title = item.querySelector("h3 a");
  title.href = `/ideas/${idea.id}`;
  title.textContent = idea.title;
  // `person` and `when` of prompts_macros.html: "Name <small class=dept>Dept</small> · <time>"
  const byline = item.querySelector("header small");
  const department = byline.querySelector(".dept");
  const time = byline.querySelector("time");
  fullTimeIn(time, idea.created_at);
  const author = [idea.author?.display_name || ""];
  if (idea.author?.department) {
    department.textContent = idea.author.department.name;
    author.push(" ", department);
  }
  byline.replaceChildren(...author, " · ", time);
  const text = item.querySelector(":scope > article > .text");
  // body_html is sanitized on the server (markdown-it without raw HTML, then nh3).
  if ((idea.body || "").trim()) text.innerHTML = idea.body_html || "";
  else text.remove();
  const hidden = idea.votes === null || idea.votes === undefined;
  const tally = field(item, "tally");
  if (hidden) {
    tally.remove();
  } else {
    item.dataset.votes = String(idea.votes);
    tally.textContent = tallyLine(idea.votes, idea.departments_supporting);
    field(item, "tally-hidden")?.remove();
  }
  for (const link of item.querySelectorAll('a[href="/ideas/0#comments"]')) link.href = `/ideas/${idea.id}#comments`;
  for (const form of item.querySelectorAll("form")) {
    form.setAttribute("action", form.getAttribute("action").replace("/ideas/0/", `/ideas/${idea.id}/`));
  }
  return item;
}

/** A challenge's phase badge and deadline line (the prompt list's card, new or moving on;
 *  a challenge's own page), as templates/prompts_macros.html (`phase_badge`, `deadline`)
 *  writes them for its phase. */
export function fillPromptPhase(card, prompt) {
  const badge = card.querySelector("header > .phase");
  if (badge) {
    badge.className = `phase phase-${prompt.phase}`;
    badge.textContent = t(`phase_label_${prompt.phase}`);
  }
  const line = field(card, "deadline");
  if (!line) return;
  const ends = prompt.phase === "collecting" ? prompt.submissions_close_at : prompt.voting_close_at;
  const time = document.createElement("time");
  fullTimeIn(time, ends);
  // "Voting until %(when)s": the sentence around the time, in the reader's word order
  const [before, after = ""] = t(`deadline_${prompt.phase}`).split("%(when)s");
  line.replaceChildren(before, time, after);
  if (prompt.phase !== "closed") {
    const left = document.createElement("small");
    left.textContent = `(${timeAgo(ends, { deadline: true })})`;
    line.append(" ", left);
  }
}

/** A <time> as the server's `when` filter writes it (the full date and time). */
function fullTimeIn(element, iso) {
  if (!element) return;
  element.setAttribute("datetime", iso || "");
  element.textContent = fullTime(iso);
}

/** Why something is hidden, as the server says it (partials/cards.html hidden_line). */
export function hiddenLine(hidden) {
  if (hidden.by === "flags") return t("hidden_by_flags", { reason: t(`flag_${hidden.reason}`) });
  return t("hidden_by_facilitator", { reason: hidden.reason });
}

export function newIdeaCard(idea) {
  const card = fromTemplate("tpl-idea-card");
  if (!card) return null;
  const comments = field(card, "comments");
  if (comments) {
    comments.dataset.count = "0";
    comments.textContent = plural("comments", 0);
  }
  return fillIdeaCard(card, idea);
}

function claimLine(task) {
  const line = document.createElement("p");
  line.className = "task-claim";
  line.dataset.field = "claim";
  if (task.status === "open" || !task.claimed_by) {
    line.textContent = t("free");
    return line;
  }
  // "Claimed by %(person)s": the sentence around the person, in the reader's word order.
  const sentence = t(task.status === "done" ? "done_by" : "claimed_by");
  const [before, after = ""] = sentence.split("%(person)s");
  const you = t("you_after_by");
  line.append(before);
  const person = fromTemplate("tpl-person");
  if (person) {
    const holder = document.createElement("span");
    holder.append(person);
    fillPerson(holder, task.claimed_by, you);
    line.append(person);
  } else {
    line.append(task.claimed_by.id === me.id ? you : task.claimed_by.display_name);
  }
  line.append(`${after} · `);
  line.append(timeElement(task.status === "done" ? task.completed_at : task.claimed_at));
  return line;
}

/** A calendar day (YYYY-MM-DD, no time zone) in the page's language, e.g. "Mon, May 4". */
export function formatDay(isoDay, options = { weekday: "short", month: "short", day: "numeric" }) {
  if (!isoDay) return "";
  const [y, m, d] = isoDay.split("-").map(Number);
  return new Intl.DateTimeFormat(me.lang, { ...options, timeZone: "UTC" }).format(new Date(Date.UTC(y, m - 1, d)));
}

/** Channel names as pills, as the server's channel_list macro writes them. */
export function channelList(channels) {
  const list = document.createElement("span");
  list.className = "channels";
  list.dataset.field = "channels";
  for (const name of channels || []) {
    const pill = document.createElement("span");
    pill.className = `channel channel-${name}`;
    pill.textContent = t(`channel_${name}`);
    list.append(pill);
  }
  return list;
}

/** Publishing day, channels and "help wanted" on a task card (board/web/cards.py). */
export function planLine(task) {
  const line = document.createElement("p");
  line.className = "task-plan";
  line.dataset.field = "plan";
  line.hidden = !(task.publish_on || task.channels?.length || task.help_wanted);
  if (task.help_wanted) {
    const pill = document.createElement("span");
    pill.className = "pill pill-help";
    pill.textContent = t("help_wanted");
    line.append(pill, " ");
  }
  if (task.publish_on) {
    const day = document.createElement("time");
    day.className = "plan-day";
    day.setAttribute("datetime", task.publish_on);
    day.textContent = formatDay(task.publish_on);
    line.append(day, " ");
  }
  line.append(channelList(task.channels));
  return line;
}

/** A fresh task card for `task`, with only the controls that fit its state. */
export function newTaskCard(task) {
  const card = fromTemplate("tpl-task-card");
  if (!card) return null;
  const mine = task.claimed_by?.id === me.id;
  card.id = `task-${task.id}`;
  card.dataset.taskId = String(task.id);
  card.dataset.status = task.status;
  card.dataset.created = task.created_at || "";
  card.dataset.claimedBy = task.claimed_by ? String(task.claimed_by.id) : "";
  card.dataset.ideaIdRef = task.idea_id ? String(task.idea_id) : "";
  card.className = `task-card status-${task.status}${mine ? " is-mine" : ""}`;
  const title = field(card, "title");
  title.textContent = task.title;
  title.href = `/tasks/${task.id}`;
  const idea = field(card, "idea");
  if (idea && idea.dataset.showIdea !== "0") {
    idea.hidden = !task.idea_id;
    if (task.idea_id) {
      const arrow = document.createElement("span");
      arrow.setAttribute("aria-hidden", "true");
      arrow.textContent = "↳ ";
      const link = document.createElement("a");
      link.href = `/ideas/${task.idea_id}`;
      nameIdeaLink(link, task.idea_id);
      idea.replaceChildren(arrow, link);
    }
  }
  field(card, "plan")?.replaceWith(planLine(task));
  field(card, "claim").replaceWith(claimLine(task));
  for (const form of card.querySelectorAll("form[data-api]")) {
    const keep = form.dataset.showWhen === "open" ? task.status === "open"
      : form.dataset.showWhen === "mine" ? task.status === "claimed" && mine
        : form.dataset.showWhen === "mine-done" ? task.status === "done" && mine : false;
    if (!keep) {
      form.remove();
      continue;
    }
    form.action = `/tasks/${task.id}/${form.dataset.api}`;
    form.dataset.actOn = String(task.id);
  }
  return card;
}

/** A publication for the idea page's "Where it went live" list: channel, link, when and by whom. */
export function newPublication(pub) {
  const item = fromTemplate("tpl-publication");
  if (!item) return null;
  const channel = item.querySelector(".channel");
  channel.classList.add(`channel-${pub.channel}`);
  channel.textContent = t(`channel_${pub.channel}`);
  const link = item.querySelector("a");
  link.href = /^https?:\/\//i.test(pub.url) ? pub.url : "#";
  link.textContent = pub.url;
  fillTime(field(item, "time"), pub.published_at);
  fillPerson(item, pub.by);
  return item;
}

/** A comment for the idea page's list. */
export function newComment(comment) {
  const item = fromTemplate("tpl-comment");
  if (!item) return null;
  item.id = `comment-${comment.id}`;
  item.dataset.commentId = String(comment.id);
  item.classList.toggle("mentor-note", Boolean(comment.is_mentor_note));
  fillPerson(item, comment.author);
  fillTime(field(item, "time"), comment.created_at);
  field(item, "mentor").hidden = !comment.is_mentor_note;
  // body_html is sanitized on the server (markdown-it without raw HTML, then nh3).
  field(item, "body").innerHTML = comment.body_html;
  fillCommentControls(item, comment);
  fillCommentState(item, comment);
  return item;
}

/** The controls of a live comment, as the server renders them for a loaded one: edit and
 *  delete for its author, flag for everyone else taking part, hide for the facilitator.
 *  The template has them all for comment 0; the ones that do not apply go. */
function fillCommentControls(item, comment) {
  const controls = item.querySelector(".comment-controls");
  if (!controls) return;
  const mine = comment.author?.id === me.id;
  for (const part of controls.querySelectorAll("[data-show-when]")) {
    const keep = part.dataset.showWhen === "own" ? mine : !mine && !comment.hidden;
    if (!keep) part.remove();
  }
  for (const form of controls.querySelectorAll("form")) {
    form.setAttribute("action", form.getAttribute("action").replace("/comments/0/", `/comments/${comment.id}/`));
  }
  const ours = (value) => value.replace(/^comment-0-/, `comment-${comment.id}-`);
  for (const element of item.querySelectorAll("[id^='comment-0-']")) element.id = ours(element.id);
  for (const label of controls.querySelectorAll("label[for^='comment-0-']")) label.htmlFor = ours(label.htmlFor);
  for (const control of controls.querySelectorAll("[aria-describedby^='comment-0-']")) {
    control.setAttribute("aria-describedby", ours(control.getAttribute("aria-describedby")));
  }
  const body = controls.querySelector("textarea[name=body]");
  if (body) body.value = comment.body || "";
}

/** Edited, deleted or hidden: the marks and placeholder of a comment already shown. */
export function fillCommentState(item, comment) {
  const edited = field(item, "edited");
  if (edited) edited.hidden = !comment.edited_at || Boolean(comment.deleted);
  item.classList.toggle("is-deleted", Boolean(comment.deleted));
  item.classList.toggle("is-hidden", Boolean(comment.hidden));
  const placeholder = field(item, "placeholder");
  if (placeholder) {
    placeholder.hidden = !comment.deleted && !comment.hidden;
    placeholder.textContent = comment.deleted ? t("comment_deleted")
      : comment.hidden ? hiddenLine(comment.hidden) : "";
  }
  if (comment.deleted) item.querySelector(".comment-controls")?.remove();
  // A hidden comment takes no flags (as on a loaded page); its author edits the words it has now.
  if (comment.hidden) item.querySelector(".flag-details")?.remove();
  const body = item.querySelector(".comment-controls textarea[name=body]");
  if (body && !comment.hidden && typeof comment.body === "string") body.value = comment.body;
}
