// Live notifications: the header's badge counts what is unread, a toast tells of each
// new one as it arrives (the private Socket.IO event `notification`), and the inbox
// page marks items read without a reload.

import { api } from "./api.js";
import { me, toast, t } from "./ui.js";

function badge() {
  return document.getElementById("notification-badge");
}

export function setUnread(count) {
  const element = badge();
  if (!element) return;
  element.dataset.count = String(count);
  element.querySelector('[data-field="count"]').textContent = String(count);
  element.hidden = count <= 0;
}

function unread() {
  return Number.parseInt(badge()?.dataset.count || "0", 10) || 0;
}

export function receiveNotification(notification) {
  if (!notification || typeof notification.id !== "number") return;
  setUnread(unread() + 1);
  // Without a chosen language the server cannot know the page's: it sends each (texts).
  const text = notification.texts?.[me.lang] || notification.text;
  toast(text, "info", { timeout: 8000, link: { href: notification.url, text: t("notification_open") } });
  document.dispatchEvent(new CustomEvent("board:notification", { detail: notification }));
}

/** After marking read: each idea's count of unread notices follows, a group with none
 *  left loses its mark, and "Mark all as read" goes once nothing is unread. */
function settleInbox() {
  for (const group of document.querySelectorAll(".inbox-group")) {
    const left = group.querySelectorAll(".inbox-item.unread").length;
    group.classList.toggle("has-unread", left > 0);
    const count = group.querySelector(".inbox-group-title .badge");
    if (count && left) count.textContent = String(left);
    else count?.remove();
  }
  if (!document.querySelector(".inbox-item.unread")) document.querySelector("form.inbox-all")?.remove();
}

/** The inbox page: "mark as read" forms work through the API and update the badge. */
export function enhanceInbox() {
  if (document.body.dataset.page !== "notifications") return;
  for (const form of document.querySelectorAll("form.inbox-one, form.inbox-all")) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const id = form.querySelector('input[name="id"]')?.value;
      try {
        const answer = await api("POST", "/notifications/read", id ? { ids: [Number(id)] } : {});
        setUnread(answer.unread);
        const items = id ? [document.getElementById(`notification-${id}`)] : document.querySelectorAll(".inbox-item");
        // The pressed button goes away: a keyboard user stays on what they just read.
        const hadFocus = form.contains(document.activeElement);
        for (const item of items) {
          item?.classList.replace("unread", "read");
          item?.querySelector("form.inbox-one")?.remove();
        }
        if (!id) form.remove();
        settleInbox();
        if (hadFocus) items[0]?.querySelector(".inbox-text")?.focus();
      } catch {
        form.submit();
      }
    });
  }
}
