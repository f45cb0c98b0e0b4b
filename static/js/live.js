// The live connection: Socket.IO pushes `activity` envelopes; the page applies each one
// exactly once, in seq order, with no gaps.
//
// - The page starts from the seq the server read BEFORE rendering it (body[data-seq]).
// - After every (re)connect it first fetches GET /api/v1/events?after=<last seq> page by
//   page until empty, applies those, then the live envelopes that arrived meanwhile.
// - A live envelope at or below the last applied seq is skipped. One that skips ahead
//   (seq > last + 1) is held, not applied: the missing one usually arrives a moment later
//   (two servers may emit out of order) and then both are applied in order; otherwise a
//   short check asks the log what lies in between (often private events for others) and
//   applies everything from there in order. Applying out of order would let an older
//   envelope overwrite a newer one (a vote count going back).
// - A `resync` from the server (its message queue was away) makes it ask the log too.
// - It asks for batches at connect (`auth: {batch: true}`): when the server is behind, the
//   envelopes that piled up come as one `activity.batch` (a list in seq order), and each
//   goes through exactly the path of a single `activity`, in that order.

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
   * @param {object} [options.socketOptions]  extra Socket.IO options (tests: forceNew)
   */
  constructor({ lastSeq, apply, presence, socketOptions = {} }) {
    this.lastSeq = lastSeq;
    this.socketOptions = socketOptions;
    this.apply = apply;
    this.onPresence = presence;
    this.held = new Map(); // seq → live envelope above lastSeq + 1, waiting for the gap
    this.buffer = [];
    this.catchingUp = false;
    this.connectedBefore = false;
    this.generation = 0;
    this.gapTimer = null;
    this.socket = null;
  }

  start() {
    setConnection("connecting", t("connecting"));
    this.socket = io({ withCredentials: true, auth: { batch: true }, ...this.socketOptions });
    this.socket.on("connect", () => this.catchUp());
    this.socket.on("activity", (envelope) => this.receive(envelope));
    this.socket.on("activity.batch", (envelopes) => {
      if (Array.isArray(envelopes)) for (const envelope of envelopes) this.receive(envelope);
    });
    this.socket.on("presence", (data) => this.onPresence(data));
    // The server lost its message queue for a while: events may have reached the log
    // without reaching this socket. Ask the log.
    this.socket.on("resync", () => {
      if (!this.catchingUp && this.socket?.connected) this.catchUp({ quiet: true });
    });
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

  /** Apply one envelope unless it is already on the page; lastSeq follows. Returns
   *  whether it was applied. Callers apply in seq order only. */
  applyOnce(envelope, replay) {
    if (envelope.seq <= this.lastSeq) return false;
    try {
      this.apply(envelope, { replay });
    } catch (error) {
      console.error("could not apply", envelope, error); // a broken handler must not stop the feed
    }
    this.lastSeq = envelope.seq;
    this.setSeqMark(envelope.seq);
    return true;
  }

  applyLive(envelope) {
    if (envelope.seq <= this.lastSeq) return;
    if (envelope.seq !== this.lastSeq + 1) {
      this.held.set(envelope.seq, envelope); // until the gap below it is filled
      this.scheduleGapCheck();
      return;
    }
    this.applyOnce(envelope, false);
    this.drainHeld();
  }

  /** Apply the held envelopes that now follow on without a gap. */
  drainHeld() {
    for (const seq of [...this.held.keys()]) if (seq <= this.lastSeq) this.held.delete(seq);
    while (this.held.has(this.lastSeq + 1)) {
      const next = this.held.get(this.lastSeq + 1);
      this.held.delete(next.seq);
      this.applyOnce(next, false);
    }
    if (this.held.size) this.scheduleGapCheck();
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
          if (this.applyOnce(envelope, !quiet)) applied += 1;
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
    // Everything up to the log's end is on the page now, in order.
    const buffered = this.buffer.sort((a, b) => a.seq - b.seq);
    this.buffer = [];
    this.catchingUp = false;
    for (const envelope of buffered) if (envelope.seq > this.lastSeq) this.held.set(envelope.seq, envelope);
    this.drainHeld();
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
