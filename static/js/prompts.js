// Progressive enhancement for the facilitator's pages (they work without it):
// - times shown in the reader's own time zone and language,
// - the prompt form learns the browser's UTC offset, so "datetime-local" means local time.

const lang = document.documentElement.lang || undefined;
const format = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });

for (const el of document.querySelectorAll("time[data-local-time]")) {
  const when = new Date(el.getAttribute("datetime"));
  if (!Number.isNaN(when.getTime())) {
    el.title = el.textContent;
    el.textContent = format.format(when);
  }
}

for (const input of document.querySelectorAll("input[data-tz-offset]")) {
  input.value = String(new Date().getTimezoneOffset());
}
