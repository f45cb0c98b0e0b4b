// Keyboard and small-screen helpers every logged-in page shares:
// - on a phone the main menu folds behind a "Menu" button (aria-expanded), Escape closes it;
// - the account menu closes by Escape, when the focus leaves it, or by a click elsewhere;
// - Escape closes an open compose form (details.compose) or nudge and puts the focus on its
//   summary;
// - Space works a link shown as a button (role="button") as it works a button;
// - a form's confirmation shows where the page comes back to, not at its top.

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
    const compose = event.target.closest?.("details.compose[open], details.nudge[open], details.dropdown[open]");
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

/** A link shown as a button (role="button": "Download my data", the calendar's arrows)
 *  answers Space as a button does; as a link it answered only Enter, and Space scrolled. */
function enableSpaceOnLinkButtons() {
  document.addEventListener("keydown", (event) => {
    if (event.key !== " " || event.defaultPrevented || event.repeat) return;
    if (!event.target.matches?.("a[href][role=button]")) return;
    event.preventDefault();
    event.target.click();
  });
}

/** A form that brings its page back to where it was sent from ("/help#stale",
 *  "#idea-5", "#webhook-3") left its confirmation ("Nudge sent.") at the top of the page,
 *  out of sight, and the focus on no control: it looked as if the button did nothing. The
 *  message moves to that place (before its table, inside a list item) and takes the
 *  focus, so the keyboard goes on from there. */
function showMessagesWhereTheFormWas() {
  const messages = document.querySelector("main > .flashes");
  const id = decodeURIComponent(window.location.hash.slice(1));
  const target = id && document.getElementById(id);
  if (!messages || !target || target.id === "main" || !target.closest("main")) return;
  const table = target.closest("table");
  const place = table ? table.closest(".overflow-auto") || table : target;
  if (place.tagName === "LI") place.prepend(messages);
  else place.before(messages);
  const first = messages.querySelector(".flash");
  first.tabIndex = -1;
  first.focus({ preventScroll: true });
  messages.scrollIntoView({ block: "start" });
}

function whenLoaded(run) {
  // after the browser's own scroll to the fragment, which comes with the load
  if (document.readyState === "complete") run();
  else window.addEventListener("load", run, { once: true });
}

export function enableNavigation() {
  whenLoaded(showMessagesWhereTheFormWas);
  enableMenu();
  enableDropdowns();
  enableEscapeToClose();
  enableSpaceOnLinkButtons();
  labelTableCells();
}
