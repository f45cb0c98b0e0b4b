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

// Voting closes after the submissions do: once those are set, the voting field offers only
// later times (the server refuses an earlier one beside the field all the same).
const submissions = document.querySelector('.prompt-form input[name="submissions_close_at"]');
const voting = document.querySelector('.prompt-form input[name="voting_close_at"]');
if (submissions && voting) {
  const earliest = voting.min;
  const followSubmissions = () => {
    const chosen = new Date(submissions.value); // "YYYY-MM-DDTHH:MM" is read as local time
    if (!submissions.value || Number.isNaN(chosen.getTime())) {
      voting.min = earliest;
      return;
    }
    const after = localMinute(new Date(chosen.getTime() + 60_000).toISOString());
    voting.min = !earliest || after > earliest ? after : earliest;
  };
  submissions.addEventListener("input", followSubmissions);
  followSubmissions();
}
