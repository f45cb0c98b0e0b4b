// The live connection: Socket.IO pushes `activity` envelopes; the page applies each one
// exactly once, in seq order, with no gaps.
//
// - The page starts from the seq the server read BEFORE rendering it (body[data-seq]).
// - After every (re)connect it first fetches GET /api/v1/events?after=<last seq> page by
//   page until empty, applies those, then the live envelopes that arrived meanwhile.
// - A live envelope at or below the last applied seq is skipped. One that skips ahead
//   (seq > last + 1) is applied at once and a short check asks the log what lies in
//   between: usually private events for others, but two servers may emit out of order.

import { io } from "../vendor/socket.io/socket.io.esm.min.js";
import { api, ApiError } from "./api.js";
import { plural, setConnection, t } from "./ui.js";

const PAGE_SIZE = 1000;
const GAP_CHECK_MS = 400;

export class LiveConnection {
  /**
   * @param {object} options
   * @param {number} options.lastSeq  everything up to here is already on the page
   * @param {(envelope: object, context: {replay: boolean}) => void} options.apply
   * @param {(presence: object) => void} options.presence
   */
  constructor({ lastSeq, apply, presence }) {
    this.lastSeq = lastSeq;
    this.apply = apply;
    this.onPresence = presence;
    this.ahead = new Set(); // applied live envelopes above lastSeq, waiting for a gap check
    this.buffer = [];
    this.catchingUp = false;
    this.connectedBefore = false;
    this.generation = 0;
    this.gapTimer = null;
    this.socket = null;
  }

  start() {
    setConnection("connecting", t("connecting"));
    this.socket = io({ withCredentials: true });
    this.socket.on("connect", () => this.catchUp());
    this.socket.on("activity", (envelope) => this.receive(envelope));
    this.socket.on("presence", (data) => this.onPresence(data));
    this.socket.on("disconnect", (reason) => this.lost(reason));
    this.socket.on("connect_error", () => {
      if (!this.socket.active) this.refused();
      else setConnection("reconnecting", t("reconnecting"));
    });
  }

  receive(envelope) {
    if (!envelope || typeof envelope.seq !== "number") return;
    if (this.catchingUp) {
      this.buffer.push(envelope);
      return;
    }
    this.applyLive(envelope);
  }

  /** Apply one envelope unless it is already on the page. Returns whether it was applied. */
  applyOnce(envelope, replay) {
    if (envelope.seq <= this.lastSeq || this.ahead.has(envelope.seq)) return false;
    try {
      this.apply(envelope, { replay });
    } catch (error) {
      console.error("could not apply", envelope, error); // a broken handler must not stop the feed
    }
    this.setSeqMark(envelope.seq);
    return true;
  }

  applyLive(envelope) {
    const contiguous = envelope.seq === this.lastSeq + 1;
    if (!this.applyOnce(envelope, false)) return;
    if (contiguous) {
      this.lastSeq = envelope.seq;
      while (this.ahead.delete(this.lastSeq + 1)) this.lastSeq += 1;
    } else {
      this.ahead.add(envelope.seq); // lastSeq stays below the gap until the log fills it
      this.scheduleGapCheck();
    }
  }

  setSeqMark(seq) {
    document.body.dataset.lastAppliedSeq = String(Math.max(seq, Number(document.body.dataset.lastAppliedSeq || 0)));
  }

  scheduleGapCheck() {
    if (this.gapTimer) return;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = null;
      if (!this.catchingUp && this.socket?.connected) this.catchUp({ quiet: true });
    }, GAP_CHECK_MS);
  }

  /** Fetch everything after lastSeq from the log, then drain what arrived live meanwhile. */
  async catchUp({ quiet = false } = {}) {
    const generation = ++this.generation;
    this.catchingUp = true;
    if (!quiet) setConnection("catching-up", t("connecting"));
    let applied = 0;
    try {
      for (;;) {
        const page = await api("GET", `/events?after=${this.lastSeq}&limit=${PAGE_SIZE}`);
        if (generation !== this.generation) return; // a newer connect took over
        const items = page?.items || [];
        if (!items.length) break;
        for (const envelope of items) {
          const missed = !this.ahead.has(envelope.seq);
          if (this.applyOnce(envelope, !quiet) && missed) applied += 1;
          this.ahead.delete(envelope.seq);
          this.lastSeq = Math.max(this.lastSeq, envelope.seq);
        }
      }
    } catch (error) {
      if (generation !== this.generation) return;
      this.catchingUp = false;
      if (error instanceof ApiError && error.status === 401) {
        this.loggedOut();
        return;
      }
      setConnection("reconnecting", t("reconnecting"));
      setTimeout(() => this.socket?.connected && this.catchUp({ quiet }), 2000);
      return;
    }
    // Everything visible up to the log's end is known now; a seq still "ahead" was applied.
    for (const seq of this.ahead) if (seq <= this.lastSeq) this.ahead.delete(seq);
    const buffered = this.buffer.sort((a, b) => a.seq - b.seq);
    this.buffer = [];
    this.catchingUp = false;
    for (const envelope of buffered) this.applyLive(envelope);
    if (quiet) return;
    if (this.connectedBefore || applied > 0) {
      setConnection("caught-up", plural("caught_up", applied));
    } else {
      setConnection("live", t("live"));
    }
    this.connectedBefore = true;
    document.body.dataset.live = "1";
  }

  lost(reason) {
    this.generation += 1; // an unfinished catch-up is void
    this.catchingUp = false;
    this.buffer = [];
    document.body.dataset.live = "0";
    if (reason === "io server disconnect") {
      // The server closed it (logout elsewhere, or the session ended): ask before retrying.
      this.refused();
      return;
    }
    setConnection("reconnecting", t("reconnecting"));
  }

  /** The server refused or dropped the socket: logged out, or a passing hiccup? */
  async refused() {
    try {
      await api("GET", "/me");
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        this.loggedOut();
        return;
      }
    }
    setConnection("reconnecting", t("reconnecting"));
    setTimeout(() => this.socket?.connect(), 3000);
  }

  loggedOut() {
    setConnection("offline", t("logged_out"));
    this.socket?.disconnect();
    const next = encodeURIComponent(window.location.pathname + window.location.search);
    setTimeout(() => window.location.assign(`/login?next=${next}`), 1500);
  }
}
