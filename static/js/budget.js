// A challenge with a vote budget: its page's "You have used 2 of your 3 votes" and vote
// buttons follow the person's own votes given or taken back elsewhere (another tab, the
// board, a phone). `idea.votes_changed` names no voter (and is not sent while the tallies
// are hidden), so the server tells the voter's own sockets, and only those, with the
// private event `votes.mine` (board/ideas.py); the page then asks for its own votes in
// this challenge, as a reload would count them. After every (re)connect it asks too: the
// event is pushed, never logged. Other pages' vote buttons for that idea follow as well.

import { api } from "./api.js";
import { setVoted } from "./render.js";
import { highlight, t } from "./ui.js";

const OWN_VOTE_EVENT = "votes.mine";
let asked = 0; // the newest question wins: answers may come back out of order

/** The page's challenge when it shows a budget line, else null. */
function budgetChallenge() {
  if (!document.querySelector("[data-vote-budget]")) return null;
  return Number(document.querySelector("[data-prompt-page]")?.dataset.promptPage) || null;
}

/** A challenge page's vote form of one idea, as templates/prompts_detail.html writes it. */
function showChallengeVote(ideaId, voted) {
  const form = document.querySelector(`#ideas li#idea-${ideaId} form.vote-form`);
  const input = form?.querySelector("input[name=vote]");
  const button = form?.querySelector("button");
  if (!input || !button || input.value === (voted ? "0" : "1")) return;
  input.value = voted ? "0" : "1";
  button.textContent = voted ? `✓ ${t("take_back_vote")}` : t("vote_button");
  button.classList.toggle("secondary", voted);
  button.classList.toggle("outline", voted);
}

function showBudget(used) {
  const line = document.querySelector("[data-vote-budget]");
  const mark = line?.querySelector("mark");
  if (!mark) return;
  const num = Number(line.dataset.voteBudget);
  const text = t(num === 1 ? "votes_used_one" : "votes_used_many", { n: num, used });
  if (mark.textContent === text) return;
  mark.textContent = text;
  highlight(mark);
}

/** Ask for this person's own votes in the page's challenge and show them. */
async function followOwnVotes() {
  const promptId = budgetChallenge();
  if (!promptId) return;
  const question = ++asked;
  let items;
  try {
    ({ items } = await api("GET", `/ideas?prompt_id=${promptId}&limit=200`));
  } catch {
    return; // the next vote or reconnect asks again
  }
  if (question !== asked) return;
  for (const idea of items) showChallengeVote(idea.id, Boolean(idea.voted));
  showBudget(items.filter((idea) => idea.voted).length);
}

function ownVote(data) {
  if (!data || typeof data.idea_id !== "number") return;
  const voted = Boolean(data.voted);
  for (const root of document.querySelectorAll(`.idea-card[data-idea-id="${data.idea_id}"], [data-idea-page="${data.idea_id}"]`)) {
    setVoted(root, voted, root.querySelector("[data-field=title]")?.textContent);
  }
  if (budgetChallenge() === data.prompt_id) {
    showChallengeVote(data.idea_id, voted);
    followOwnVotes();
  }
}

/** board.js calls this just before it opens the live connection (window.taskForceLive). */
export function followVoteBudget() {
  queueMicrotask(() => {
    const socket = window.taskForceLive?.socket;
    if (!socket) return;
    socket.on(OWN_VOTE_EVENT, ownVote);
    if (budgetChallenge()) socket.on("connect", followOwnVotes);
  });
}
