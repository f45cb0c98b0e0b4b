// Voting, following and claiming without a page reload: forms marked data-api="vote|follow|
// claim|release|complete|reopen" go through the JSON API instead. The same forms still post
// to the page routes when this script is missing, and when the network call itself fails.

import { api, ApiError } from "./api.js";
import { showTask } from "./apply.js";
import { setVoted, setVotes } from "./render.js";
import { t, toast } from "./ui.js";

const TASK_MESSAGES = {
  claim: "claimed_ok", release: "released_ok", complete: "completed_ok", reopen: "reopened_ok",
};

// seq-less answers must not overwrite a newer live count: remember the last event per idea.
export const voteEventsSeen = new Map();

async function vote(form) {
  const ideaId = Number(form.dataset.voteIdea);
  const giving = form.querySelector("input[name=vote]")?.value !== "0";
  const seenBefore = voteEventsSeen.get(ideaId) || 0;
  const answer = await api(giving ? "PUT" : "DELETE", `/ideas/${ideaId}/vote`);
  const title = document.querySelector(`.idea-card[data-idea-id="${ideaId}"] [data-field=title]`)?.textContent
    ?? document.querySelector(".idea-detail [data-field=title]")?.textContent;
  for (const root of document.querySelectorAll(`.idea-card[data-idea-id="${ideaId}"], [data-idea-page="${ideaId}"]`)) {
    setVoted(root, answer.voted, title);
    if ((voteEventsSeen.get(ideaId) || 0) === seenBefore) {
      setVotes(root, answer.votes, answer.departments_supporting);
    }
  }
}

/** Follow or unfollow an idea; the button stays where it is, and so does the focus (the
 *  form's page route reloaded the page, which put the focus back at its top). */
async function follow(form) {
  const field = form.querySelector("input[name=following]");
  const answer = await api(field.value === "1" ? "PUT" : "DELETE", `/ideas/${form.dataset.follow}/follow`);
  field.value = answer.following ? "0" : "1";
  const button = form.querySelector("button");
  button.textContent = t(answer.following ? "following_unfollow" : "follow");
  button.setAttribute("aria-pressed", String(answer.following));
  button.classList.toggle("secondary", answer.following);
  button.classList.toggle("outline", answer.following);
}

/** A task card's first control: its action button, else its title (a link on most pages). */
function cardControl(card) {
  return card?.isConnected
    ? card.querySelector(".task-actions button") || card.querySelector("a[data-field=title], [data-field=title] a")
    : null;
}

async function taskAction(form) {
  const action = form.dataset.api;
  const before = form.closest(".task-card");
  const neighbours = [before?.nextElementSibling, before?.previousElementSibling];
  const column = before?.closest("section");
  const task = await api("POST", `/tasks/${form.dataset.actOn}/${action}`);
  showTask(task);
  // Keep keyboard users where they were: on the moved card's next control. A card that left
  // the page (claimed on the list of open tasks) hands the focus to its neighbour, else to
  // its list's heading: never to nothing, which starts the Tab key over at the top.
  const card = document.querySelector(`[data-task-id="${task.id}"].task-card`);
  const target = cardControl(card) || neighbours.map(cardControl).find(Boolean);
  if (target) {
    target.focus();
  } else if (!card && column?.isConnected) {
    const heading = column.querySelector("h1, h2, h3");
    if (heading) {
      heading.tabIndex = -1;
      heading.focus();
    }
  }
  toast(t(TASK_MESSAGES[action]), "success", { timeout: 3000 });
}

const ACTIONS = {
  vote, follow, claim: taskAction, release: taskAction, complete: taskAction, reopen: taskAction,
};

async function onSubmit(event) {
  const form = event.target.closest("form[data-api]");
  if (!form || !(form.dataset.api in ACTIONS)) return;
  event.preventDefault();
  const button = form.querySelector("button");
  if (button?.getAttribute("aria-busy") === "true") return;
  // Busy, not disabled: a disabled button loses the keyboard focus to <body>.
  button?.setAttribute("aria-busy", "true");
  button?.setAttribute("aria-disabled", "true");
  try {
    await ACTIONS[form.dataset.api](form);
  } catch (error) {
    if (error instanceof ApiError) {
      if (error.status === 401) {
        form.submit(); // the page route sends the person to /login and back
        return;
      }
      toast(error.message, "error");
    } else {
      // The network call failed (not an API refusal): the plain form may still get through.
      form.submit();
      return;
    }
  } finally {
    if (button && button.isConnected) {
      button.removeAttribute("aria-busy");
      button.removeAttribute("aria-disabled");
    }
  }
}

export function enhanceForms() {
  document.addEventListener("submit", onSubmit);
}
