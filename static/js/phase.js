// A challenge's own page follows its phase (collecting → voting → closed) as a reload
// would show it: it fetches the page anew and puts in the parts that belong to the phase
// (templates/prompts_detail.html, data-phase-part: the rules above the ideas, the ideas
// with their vote buttons or the results, the idea form). What the person typed stays,
// open mentor-note forms stay open, and the keyboard stays where it was (or, where that
// control is gone, moves to the same idea, else to the note). #phase-notice says what
// changed: it is a status region, so screen readers announce it. The server refuses a
// late idea or vote anyway; this only keeps the page honest.

import { fetchPage } from "./api.js";
import { enhanceMentions } from "./mentions.js";
import { highlight, t } from "./ui.js";

const CONTROLS = "a[href], button, input, textarea, select, summary";
const TYPED = "input:not([type=hidden]), textarea";

let following = null; // the fetch under way: { seen: [envelope…] }

/** Note an envelope applied while the page is fetched: the fetched parts may not hold it. */
export function noteApplied(envelope) {
  following?.seen.push(envelope);
}

/** What a control is across two renderings of the page: its form's action and its name,
 *  a link's address, a summary's form. */
function keyOf(element) {
  const form = element.closest("form");
  const action = form?.getAttribute("action");
  if (form && element.name) return `${action} ${element.name}`;
  if (form && element.matches("button")) return `${action} button`;
  if (element.matches("summary")) {
    return `summary ${element.parentElement.querySelector("form")?.getAttribute("action")}`;
  }
  if (element.matches("a[href]")) return `a ${element.getAttribute("href")}`;
  return null;
}

function findByKey(root, key) {
  return key ? [...root.querySelectorAll(CONTROLS)].find((e) => keyOf(e) === key) || null : null;
}

/** The idea form of the phase that ended, when it holds words or the keyboard: it stays,
 *  read-only, with a line saying why (nobody's words vanish; a reload drops it). */
function keepClosedIdeaForm(old, fresh) {
  const section = old.querySelector("#new-idea");
  if (!section || fresh.querySelector("#new-idea")) return;
  const fields = [...section.querySelectorAll(TYPED)];
  if (!fields.some((f) => f.value.trim()) && !section.contains(document.activeElement)) return;
  const form = section.querySelector("form");
  if (!section.querySelector("#new-idea-closed")) {
    const note = document.createElement("p");
    note.className = "form-alert";
    note.id = "new-idea-closed";
    note.textContent = t("idea_form_closed");
    form.before(note);
  }
  for (const field of fields) {
    field.readOnly = true;
    field.setAttribute("aria-describedby", "new-idea-closed");
  }
  for (const button of form.querySelectorAll("button")) button.disabled = true;
  fresh.append(section);
}

/** Carry over into `fresh` what the person did in `old`: typed words, open forms. */
function keepWhatIsTyped(old, fresh) {
  for (const field of old.querySelectorAll(TYPED)) {
    if (field.value === field.defaultValue) continue;
    const twin = findByKey(fresh, keyOf(field));
    if (twin) twin.value = field.value;
  }
  for (const details of old.querySelectorAll("details")) {
    const twin = findByKey(fresh, keyOf(details.querySelector(":scope > summary") || details));
    if (twin?.matches("summary")) twin.parentElement.open = details.open;
  }
  keepClosedIdeaForm(old, fresh);
}

/** The first usable control of the page's phase parts that `key` names (see keyOf). */
function findInParts(key) {
  for (const part of document.querySelectorAll("[data-phase-part]")) {
    const found = findByKey(part, key);
    if (found && !found.disabled) return found;
  }
  return null;
}

/** Put the fetched page's phase parts in place of this page's. The keyboard stays on the
 *  control it was on (moved or put in anew), else goes to the same idea's title, else to
 *  the note. */
function swapParts(fresh, notice) {
  const active = document.activeElement;
  const parts = [...document.querySelectorAll("[data-phase-part]")];
  const inside = parts.some((part) => part.contains(active));
  const key = inside ? keyOf(active) : null;
  const ideaId = inside ? active.closest("li[id^='idea-']")?.id : null;
  const caret = inside && typeof active.selectionStart === "number"
    ? [active.selectionStart, active.selectionEnd] : null;
  for (const part of parts) {
    const replacement = fresh.querySelector(`[data-phase-part="${part.dataset.phasePart}"]`);
    if (!replacement) continue;
    const adopted = document.importNode(replacement, true);
    keepWhatIsTyped(part, adopted);
    part.replaceWith(adopted);
    enhanceMentions(adopted);
  }
  if (!inside) return;
  const target = (active.isConnected && !active.disabled ? active : findInParts(key))
    || (ideaId && document.querySelector(`#${ideaId} h3 a`)) || notice;
  target.focus({ preventScroll: true });
  if (caret && typeof target.selectionStart === "number") target.setSelectionRange(...caret);
}

function say(notice, ...words) {
  notice.replaceChildren(...words);
  notice.hidden = false;
  highlight(notice);
}

/** The page could not be fetched: the note asks for a reload instead. */
function askForReload(notice, prompt) {
  const reload = document.createElement("a");
  reload.href = window.location.pathname;
  reload.textContent = t("reload_page");
  say(notice, t(`phase_moved_${prompt.phase}`), " ", reload);
}

/** Follow `prompt`'s new phase on its own page (`head`: the page's .prompt-head).
 *  `reapply(envelope)` applies an envelope again to the parts put in. */
export async function followPhase(head, prompt, reapply) {
  const notice = document.getElementById("phase-notice");
  if (!notice || head.dataset.phase === prompt.phase) return;
  head.dataset.phase = prompt.phase;
  const mine = { seen: [] };
  following = mine;
  let fresh = null;
  try {
    fresh = await fetchPage(`/prompts/${prompt.id}`);
  } catch {
    /* asked for a reload below */
  }
  if (following !== mine) return; // the phase moved on again meanwhile: the newer fetch rules
  following = null;
  const freshHead = fresh?.querySelector(`.prompt-head[data-prompt-page="${prompt.id}"]`);
  if (freshHead?.dataset.phase !== prompt.phase) {
    askForReload(notice, prompt);
    return;
  }
  swapParts(fresh, notice);
  const freshSeq = Number(fresh.body.dataset.seq || 0);
  for (const envelope of mine.seen) {
    if (envelope.seq > freshSeq && envelope.type !== "prompt.phase_changed") reapply(envelope);
  }
  say(notice, t(`phase_followed_${prompt.phase}`));
}
