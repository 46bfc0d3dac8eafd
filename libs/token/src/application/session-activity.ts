import type { ReadModel, ReadStore } from '@idp/eventing';

/** When a session was last seen, kept apart from the event-sourced `sessions` model (see README: last-seen). */
export interface SessionActivityDocument {
  /** The session id. */
  id: string;
  lastSeenAt: string;
}

export const sessionActivityModel: ReadModel<SessionActivityDocument> = { name: 'session-activity' };

/**
 * Coarse last-seen without an event per request. A touch writes at most once per `touchIntervalMs` per session,
 * and it is judged on the stored value, so every replica of the service (sharing MongoDB) throttles alike.
 *
 * The read store's write guard is a position; here the position is the touch time in epoch milliseconds, which
 * only grows: of two racing touches the later one wins, a late-arriving older one changes nothing. That is also
 * why activity cannot share a document with the projection, whose positions are the event store's.
 *
 * The documents are not derived from events: in embedded mode (memory) they are lost at restart. A session
 * without a document counts as seen at `max(startedAt, lostSince)`, `lostSince` being when this process opened
 * the store: at most one extra idle window after a restart, never beyond the absolute deadline. Sessions get
 * their first document at start, so on MongoDB the fallback only covers a crash between start and that write.
 */
export class SessionActivity {
  constructor(
    private readonly store: ReadStore<SessionActivityDocument>,
    private readonly options: { touchIntervalMs: number; lostSince: number },
  ) {}

  /** Epoch ms the session was last seen, or the fallback for a missing record (see the class comment). */
  async lastSeen(sessionId: string): Promise<number> {
    const doc = await this.store.get(sessionId);
    return doc ? Date.parse(doc.lastSeenAt) : this.options.lostSince;
  }

  /** Last-seen of each session in one query (lists). */
  async lastSeenOf(sessionIds: readonly string[]): Promise<Map<string, number>> {
    const docs = sessionIds.length ? await this.store.find({ where: { id: { $in: [...sessionIds] } } }) : [];
    const seen = new Map(docs.map((d) => [d.id, Date.parse(d.lastSeenAt)]));
    for (const id of sessionIds) if (!seen.has(id)) seen.set(id, this.options.lostSince);
    return seen;
  }

  /** Records `now` unless the stored last-seen is recent enough. Returns the last-seen in force afterwards. */
  async touch(sessionId: string, now: number, stored: number): Promise<number> {
    if (now - stored < this.options.touchIntervalMs) return stored;
    await this.store.put({ id: sessionId, lastSeenAt: new Date(now).toISOString() }, BigInt(now));
    return now;
  }

  /** Drops the record of an ended session (a tombstone at `now`). */
  async forget(sessionId: string, now: number): Promise<void> {
    await this.store.delete(sessionId, BigInt(now));
  }
}
