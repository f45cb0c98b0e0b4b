/** The browser's time zone: stored with a person's settings on their first page (board.js),
 *  and sent along by the login and registration forms, which load only this module, so that
 *  the first page after logging in already shows the person's times. */

/** The browser's IANA time zone, or "" when it does not say. */
export function browserZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return "";
  }
}

for (const field of document.querySelectorAll("input[data-browser-zone]")) field.value = browserZone();
