// Small UI helpers shared by the board's modules: translated strings, toasts, the
// connection line, the presence line and the short highlight on what changed.

const body = document.body;

/** The page's sentences in the person's language (rendered by the server into data-i18n). */
export const strings = (() => {
  try {
    return JSON.parse(body.dataset.i18n || "{}");
  } catch {
    return {};
  }
})();

export const me = {
  id: Number(body.dataset.userId || 0),
  role: body.dataset.role || "",
  lang: body.dataset.lang || document.documentElement.lang || "en",
  // The person's time zone (stored with their settings, else BOARD_TIMEZONE): times on
  // live items read as the server writes them, whatever zone this computer is in.
  timeZone: body.dataset.timezone || undefined,
};

/** A translated sentence with its gettext-style %(name)s placeholders filled in. */
export function t(key, params = {}) {
  const text = strings[key] ?? key;
  return text.replace(/%\((\w+)\)[sd]/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** "1 vote" / "3 votes": the `_one` or `_many` sentence for n. */
export function plural(key, n) {
  return t(n === 1 ? `${key}_one` : `${key}_many`, { n });
}

/** Tell screen readers `sentence` in the page's polite status line `id`: the line is
 *  cleared first, so that a sentence said again is read out again. */
export function announce(id, sentence) {
  const line = document.getElementById(id);
  if (!line) return;
  line.textContent = "";
  requestAnimationFrame(() => {
    line.textContent = sentence;
  });
}

/** Restart the short "this just changed" animation on an element. */
export function highlight(element) {
  if (!element) return;
  element.classList.remove("just-changed");
  void element.offsetWidth; // restart the CSS animation
  element.classList.add("just-changed");
  element.addEventListener("animationend", () => element.classList.remove("just-changed"), { once: true });
}

/** A message in the corner that goes away by itself. */
export function toast(message, kind = "info", { timeout = 5000, link = null } = {}) {
  const region = document.getElementById("toasts");
  if (!region) return;
  const item = document.createElement("p");
  item.className = `toast toast-${kind}`;
  item.setAttribute("role", kind === "error" ? "alert" : "status");
  item.textContent = message;
  if (link) {
    item.append(" ");
    const anchor = document.createElement("a");
    anchor.href = link.href;
    anchor.textContent = link.text;
    item.append(anchor);
  }
  region.append(item);
  setTimeout(() => item.remove(), timeout);
}

let caughtUpTimer = null;

/** The connection line: connecting, live, reconnecting…, caught up, offline. */
export function setConnection(state, text) {
  const line = document.getElementById("connection-status");
  if (!line) return;
  clearTimeout(caughtUpTimer);
  line.dataset.state = state;
  const label = line.querySelector("[data-field=text]");
  if (label) label.textContent = text;
  if (state === "caught-up") {
    caughtUpTimer = setTimeout(() => setConnection("live", t("live")), 4000);
  }
}

/** "7 people on the board now · Marketing 3 · IT 2" (counts only, never names). */
export function showPresence(data) {
  const line = document.getElementById("presence");
  if (!line || !data || typeof data.online !== "number") return;
  line.replaceChildren(document.createTextNode(plural("presence", data.online)));
  const departments = Object.entries(data.departments || {})
    .filter(([, count]) => count > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  for (const [name, count] of departments) {
    line.append(" · ");
    const part = document.createElement("span");
    part.className = "presence-dept";
    part.textContent = `${name} ${count}`;
    line.append(part);
  }
  line.dataset.online = String(data.online);
  line.hidden = false;
}

// Babel's format_timedelta, which the server's `ago` filter uses: the largest unit of which
// at least 0.85 has passed, rounded half to even (Python's round), so a live card and a
// loaded one say the same ("in 1 week", not "in 10 days").
const UNITS = [
  ["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600],
  ["minute", 60], ["second", 1],
];

function roundHalfEven(value) {
  const floor = Math.floor(value);
  const rest = value - floor;
  if (rest > 0.5) return floor + 1;
  if (rest < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** "5 minutes ago" / "in 3 days" in the page's language, worded as the server words it.
 *  `deadline`: a moment still ahead reads "in less than a minute" in its last minute (not
 *  for what happened: a clock a little behind the server's must not put a new idea ahead). */
export function timeAgo(iso, { deadline = false } = {}) {
  if (!iso) return "";
  const seconds = Math.floor((Date.parse(iso) - Date.now()) / 1000);
  if (Number.isNaN(seconds)) return "";
  if (deadline && seconds > 0 && seconds < 60) return t("in_under_a_minute");
  if (Math.abs(seconds) < 60) return t("just_now");
  const format = new Intl.RelativeTimeFormat(me.lang, { numeric: "always" });
  for (const [unit, size] of UNITS) {
    const value = Math.abs(seconds) / size;
    if (value >= 0.85) return format.format(Math.sign(seconds) * Math.max(1, roundHalfEven(value)), unit);
  }
  return t("just_now");
}

/** The full date and time in the page's language and the person's zone, as the server's
 *  `when` filter writes it ("Oct 21, 2026, 3:05 PM", "21.10.2026, 15:05"). */
export function fullTime(iso) {
  if (!iso) return "";
  const moment = new Date(iso);
  if (Number.isNaN(moment.getTime())) return "";
  return dateTimeFormat({ dateStyle: "medium", timeStyle: "short" }).format(moment);
}

/** An Intl.DateTimeFormat in the page's language and the person's zone (this computer's
 *  zone if the browser does not know that name). */
export function dateTimeFormat(options) {
  try {
    return new Intl.DateTimeFormat(me.lang, { ...options, timeZone: me.timeZone });
  } catch {
    return new Intl.DateTimeFormat(me.lang, options);
  }
}
