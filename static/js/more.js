// The board shows its first 50 ideas; the rest come on scroll. The "Show more ideas" link
// is a real link (without JavaScript it opens the next 50 as a page of its own); here it
// fetches the next page from the API and appends it in place, by click or by keyboard,
// and by itself when it scrolls into view. Live events keep applying to every card shown.

import { api } from "./api.js";
import { newIdeaCard } from "./render.js";
import { plural, t } from "./ui.js";

/** The API's list of ideas as the board shows them: `query` (sort, limit, cursor) with the
 *  board's own filters (its department, tag and words). */
export function boardIdeasPath(list, query) {
  const params = new URLSearchParams(query);
  for (const [name, key] of [["department", "filterDepartment"], ["tag", "filterTag"], ["q", "filterQ"]]) {
    if (list.dataset[key]) params.set(name, list.dataset[key]);
  }
  return `/ideas?${params}`;
}

function nextPagePath(list, cursor) {
  return boardIdeasPath(list, { sort: list.dataset.sort || "top", limit: "50", cursor });
}

export function enableMoreIdeas() {
  const link = document.getElementById("more-ideas");
  const list = document.getElementById("idea-list");
  const status = document.getElementById("more-ideas-status");
  if (!link || !list) return;
  let loading = false;

  async function loadMore() {
    if (loading || !link.dataset.cursor) return;
    loading = true;
    link.setAttribute("aria-busy", "true");
    if (status) status.textContent = t("more_loading");
    try {
      const page = await api("GET", nextPagePath(list, link.dataset.cursor));
      let added = 0;
      for (const idea of page.items) {
        if (list.querySelector(`.idea-card[data-idea-id="${idea.id}"]`)) continue; // moved up meanwhile
        if (idea.votes === null && idea.prompt_id) continue; // shown with its running challenge
        const card = newIdeaCard(idea);
        if (card) {
          list.append(card);
          added += 1;
        }
      }
      if (status) status.textContent = plural("more_loaded", added);
      if (page.next_cursor) {
        link.dataset.cursor = page.next_cursor;
        const url = new URL(link.href);
        url.searchParams.set("cursor", page.next_cursor);
        link.href = url.toString();
      } else {
        observer?.disconnect();
        link.closest(".more-ideas")?.remove();
      }
    } catch {
      if (status) status.textContent = t("more_failed");
    } finally {
      loading = false;
      link.removeAttribute("aria-busy");
    }
  }

  link.addEventListener("click", (event) => {
    event.preventDefault();
    loadMore();
  });
  const observer =
    "IntersectionObserver" in window
      ? new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && loadMore(), {
          rootMargin: "400px 0px",
        })
      : null;
  observer?.observe(link);
}
