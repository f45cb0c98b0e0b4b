// Progressive enhancement for the facilitator's pages (they work without it): the prompt
// form learns the browser's UTC offset, so that "datetime-local" means local time for
// someone whose time zone is not stored yet (board/web/common.py form_time). Times on the
// page are already in the person's zone and language (the server's `when` filter).

for (const input of document.querySelectorAll("input[data-tz-offset]")) {
  input.value = String(new Date().getTimezoneOffset());
}
