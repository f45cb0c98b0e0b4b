// A task's own page (/tasks/<id>): the parts that belong to whoever holds the task (their
// plan form and "help wanted", "keep it", the facilitator's nudge to them) follow the claim
// as it changes live, as templates/task.html renders them for the task's state at load.
// apply.js keeps the article's data-status and data-claimed-by up to date; this follows them.
// Hidden parts' fields are disabled too, so that a form never sends what is not shown.
// The server still decides every request.

const article = document.querySelector(".task-detail[data-task-id]");
const reader = document.body.dataset.userId || "";

function shown(part, status, mine) {
  if (part === "mine") return mine;
  if (part === "claimed-mine") return mine && status === "claimed";
  if (part === "claimed-other") return !mine && status === "claimed";
  return true;
}

function follow() {
  const status = article.dataset.status;
  const holder = article.dataset.claimedBy || "";
  const mine = reader !== "" && holder === reader;
  for (const part of article.querySelectorAll("[data-task-part]")) {
    const visible = shown(part.dataset.taskPart, status, mine);
    part.hidden = !visible;
    for (const field of part.querySelectorAll("input, select, textarea")) field.disabled = !visible;
  }
}

if (article) {
  new MutationObserver(follow).observe(article, {
    attributes: true,
    attributeFilter: ["data-status", "data-claimed-by"],
  });
}
