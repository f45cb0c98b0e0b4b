// Keyboard and small-screen helpers every logged-in page shares:
// - on a phone the main menu folds behind a "Menu" button (aria-expanded), Escape closes it;
// - the account menu closes by Escape, when the focus leaves it, or by a click elsewhere;
// - Escape closes an open compose form (details.compose) and puts the focus on its summary.

const NARROW = window.matchMedia("(max-width: 860px)");

function enableMenu() {
  const toggle = document.querySelector(".nav-toggle");
  const links = document.getElementById("nav-links");
  if (!toggle || !links) return;
  const nav = toggle.closest(".site-nav");
  const setOpen = (open) => {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("menu-open", open);
  };
  // The unread counts inside the folded menu show on the button too.
  const badge = toggle.querySelector(".nav-toggle-badge");
  const countUnread = () => {
    let total = 0;
    for (const count of links.querySelectorAll(".badge:not([hidden]) [data-field=count]")) {
      total += Number.parseInt(count.textContent, 10) || 0;
    }
    badge.textContent = String(total);
    badge.hidden = total === 0;
  };
  new MutationObserver(countUnread).observe(links, { subtree: true, childList: true, characterData: true, attributes: true });
  countUnread();
  nav.classList.add("has-toggle");
  toggle.hidden = false;
  setOpen(false);
  toggle.addEventListener("click", () => setOpen(toggle.getAttribute("aria-expanded") !== "true"));
  nav.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && NARROW.matches && toggle.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      toggle.focus();
    }
  });
  NARROW.addEventListener("change", () => setOpen(false));
}

/** The account menu (details.dropdown) closes as a menu does: by Escape (the focus back on
 *  its summary), when the focus leaves it, and by a click elsewhere. It stayed open over
 *  the page (on a phone over the main menu too) until its summary was pressed again. */
function enableDropdowns() {
  for (const menu of document.querySelectorAll("details.dropdown")) {
    const summary = menu.querySelector("summary");
    menu.addEventListener("keydown", (event) => {
      if (event.key !== "Escape" || !menu.open) return;
      event.preventDefault();
      menu.open = false;
      summary?.focus();
    });
    menu.addEventListener("focusout", (event) => {
      if (event.relatedTarget && !menu.contains(event.relatedTarget)) menu.open = false;
    });
    document.addEventListener("click", (event) => {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
  }
}

function enableEscapeToClose() {
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || event.defaultPrevented) return;
    const compose = event.target.closest?.("details.compose[open], details.nudge[open]");
    if (!compose) return;
    compose.open = false;
    compose.querySelector("summary")?.focus();
  });
}

/** Each table cell learns its column's name, shown above it when a phone stacks the rows.
 *  A cell across several columns ("No invite links yet.") belongs to none of them. */
function labelTableCells() {
  for (const table of document.querySelectorAll("main table")) {
    const names = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    if (!names.length) continue;
    for (const row of table.querySelectorAll("tbody tr")) {
      let column = 0;
      for (const cell of row.children) {
        const span = Number(cell.getAttribute("colspan") || 1);
        if (cell.tagName === "TD" && span === 1 && names[column]) cell.dataset.label = names[column];
        column += span;
      }
    }
  }
}

export function enableNavigation() {
  enableMenu();
  enableDropdowns();
  enableEscapeToClose();
  labelTableCells();
}
