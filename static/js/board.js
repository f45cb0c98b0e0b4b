// Entry module of every logged-in page: live updates over Socket.IO, and voting and
// claiming through the JSON API without reloads. Without it the pages still work.
//
// Other page scripts can follow the same connection instead of opening their own:
//   document.addEventListener("board:activity", (e) => e.detail /* envelope */)
//   document.addEventListener("board:presence", (e) => e.detail /* counts */)
// Each envelope is dispatched once, in seq order, after catch-up (detail.replay tells).

import { enhanceForms, voteEventsSeen } from "./actions.js";
import { api } from "./api.js";
import { applyEnvelope } from "./apply.js";
import { followVoteBudget } from "./budget.js";
import { LiveConnection } from "./live.js";
import { enhanceMentions } from "./mentions.js";
import { enhanceInbox, receiveNotification } from "./notifications.js";
import { enableMoreIdeas } from "./more.js";
import { enableNavigation } from "./nav.js";
import { showPresence } from "./ui.js";
import { browserZone } from "./zone.js";

/** The first page a person opens stores their browser's time zone with their settings
 *  (they can change it on their profile); from the next page on, times are in it. */
function storeBrowserTimeZone() {
  if (document.body.dataset.timezoneUnset !== "1") return;
  const zone = browserZone();
  if (!zone) return;
  api("PATCH", "/me", { timezone: zone }).then(
    () => {
      delete document.body.dataset.timezoneUnset;
    },
    () => {}, // a zone the server does not know: the board's own zone stays
  );
}

function start() {
  enableNavigation();
  storeBrowserTimeZone();
  enhanceForms();
  enhanceMentions();
  enhanceInbox();
  followVoteBudget();
  enableMoreIdeas();
  const seq = Number.parseInt(document.body.dataset.seq || "", 10);
  if (!Number.isFinite(seq)) return; // a page without a starting point (an error page) stays still
  const live = new LiveConnection({
    lastSeq: seq,
    apply(envelope, context) {
      if (envelope.type === "idea.votes_changed") voteEventsSeen.set(envelope.data?.idea_id, envelope.seq);
      applyEnvelope(envelope, context);
      document.dispatchEvent(new CustomEvent("board:activity", { detail: { ...envelope, replay: context.replay } }));
    },
    presence(data) {
      showPresence(data);
      document.dispatchEvent(new CustomEvent("board:presence", { detail: data }));
    },
  });
  live.start();
  live.socket.on("notification", receiveNotification); // private: only this person's sockets
  window.taskForceLive = live; // for the browser tests and curious developers
}

if (document.body.dataset.userId) start();
