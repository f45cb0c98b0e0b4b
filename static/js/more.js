// The board shows its first 50 ideas; the rest come on scroll. The "Show more ideas" link
// is a real link (without JavaScript it opens the next 50 as a page of its own); here it
// fetches that page and appends its cards in place, by click or by keyboard, and by itself
// when it scrolls into view. The cards are the server's, as on the first page (comment
// counts, the reader's own vote, hidden marks), not rebuilt from the API's ideas, which
// carry no comment count. Live events keep applying to every card shown.

import { fetchPage } from "./api.js";
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
      const page = await fetchPage(link.href);
      if (!page) throw new Error("the next page did not come");
      let added = 0;
      // the page's main list only: ideas of a running challenge stay with their group
      for (const card of page.querySelectorAll("#idea-list > .idea-card")) {
        if (list.querySelector(`.idea-card[data-idea-id="${card.dataset.ideaId}"]`)) continue; // moved up meanwhile
        list.append(document.adoptNode(card));
        added += 1;
      }
      if (status) status.textContent = plural("more_loaded", added);
      const next = page.getElementById("more-ideas");
      if (next?.dataset.cursor) {
        link.dataset.cursor = next.dataset.cursor;
        link.href = new URL(next.getAttribute("href"), window.location.href).toString();
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
