// Progressive enhancement for the facilitator's pages (they work without it): the prompt
// form learns the browser's UTC offset, so that "datetime-local" means local time for
// someone whose time zone is not stored yet (board/web/common.py form_time). Times on the
// page are already in the person's zone and language (the server's `when` filter).

for (const input of document.querySelectorAll("input[data-tz-offset]")) {
  input.value = String(new Date().getTimezoneOffset());
}

// The close times' min/max come from the server in the zone the form is read in; while the
// person's zone is not stored, that is the browser's (the tz_offset above), so the bounds
// the server sent as instants (data-min-at / data-max-at) are written in it here.
function localMinute(iso) {
  const moment = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return (
    `${moment.getFullYear()}-${pad(moment.getMonth() + 1)}-${pad(moment.getDate())}` +
    `T${pad(moment.getHours())}:${pad(moment.getMinutes())}`
  );
}

for (const input of document.querySelectorAll("input[data-min-at][data-max-at]")) {
  input.min = localMinute(input.dataset.minAt);
  input.max = localMinute(input.dataset.maxAt);
}
