// The task pages (/tasks/<id>, /tasks, /my-tasks) beside what apply.js keeps live:
//
// - On a task's own page, the parts that belong to whoever holds the task (their plan form
//   and "help wanted", "keep it", the facilitator's nudge to them) follow the claim as it
//   changes live, as templates/task.html renders them for the task's state at load. apply.js
//   keeps the article's data-status and data-claimed-by up to date; this follows them.
//   Hidden parts' fields are disabled too, so that a form never sends what is not shown.
// - An idea hidden while the page is open no longer lends its title to the task cards (and
//   the task page) that carry it out: they name it by its number, as the server does.
//
// The server still decides every request.

const reader = document.body.dataset.userId || "";

function shown(part, status, mine) {
  if (part === "mine") return mine;
  if (part === "claimed-mine") return mine && status === "claimed";
  if (part === "claimed-other") return !mine && status === "claimed";
  return true;
}

function followTheClaim(article) {
  const follow = () => {
    const status = article.dataset.status;
    const holder = article.dataset.claimedBy || "";
    const mine = reader !== "" && holder === reader;
    for (const part of article.querySelectorAll("[data-task-part]")) {
      const visible = shown(part.dataset.taskPart, status, mine);
      part.hidden = !visible;
      for (const field of part.querySelectorAll("input, select, textarea")) field.disabled = !visible;
    }
  };
  new MutationObserver(follow).observe(article, {
    attributes: true,
    attributeFilter: ["data-status", "data-claimed-by"],
  });
}

function withholdHiddenTitles() {
  const words = document.querySelector("[data-idea-number]")?.dataset.ideaNumber;
  if (!words) return;
  document.addEventListener("board:activity", ({ detail }) => {
    const ideaId = detail?.type === "idea.hidden" ? detail.data?.idea?.id : null;
    if (!Number.isInteger(ideaId)) return;
    const selector = `[data-idea-id-ref="${ideaId}"] [data-field=idea] a[href="/ideas/${ideaId}"]`;
    for (const link of document.querySelectorAll(selector)) {
      link.textContent = words.replace("{id}", String(ideaId));
    }
  });
}

const article = document.querySelector(".task-detail[data-task-id]");
if (article) followTheClaim(article);
withholdHiddenTitles();
