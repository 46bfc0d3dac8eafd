import { randomUUID } from 'node:crypto';
import type { ClaimResult, ProcessedEventStore } from '../processed-event.store';

interface Entry {
  token: string;
  /** Claimed until this time (ms) while processing; undefined once done. */
  leaseUntil?: number;
  doneAt?: number;
}

/** Processed-event records in process memory (embedded mode, tests). */
export class InMemoryProcessedEventStore implements ProcessedEventStore {
  private readonly entries = new Map<string, Entry>();

  async claim(consumer: string, key: string, leaseMs: number, now: Date): Promise<ClaimResult> {
    const id = `${consumer}\0${key}`;
    const entry = this.entries.get(id);
    if (entry?.doneAt !== undefined) return { status: 'done' };
    if (entry && entry.leaseUntil! > now.getTime()) return { status: 'busy' };
    const token = randomUUID();
    this.entries.set(id, { token, leaseUntil: now.getTime() + leaseMs });
    return { status: 'claimed', token };
  }

  async complete(consumer: string, key: string, token: string, now: Date): Promise<boolean> {
    const entry = this.entries.get(`${consumer}\0${key}`);
    if (entry?.token !== token) return false;
    this.entries.set(`${consumer}\0${key}`, { token, doneAt: now.getTime() });
    return true;
  }

  async release(consumer: string, key: string, token: string): Promise<void> {
    const entry = this.entries.get(`${consumer}\0${key}`);
    if (entry?.token === token && entry.doneAt === undefined) this.entries.delete(`${consumer}\0${key}`);
  }

  async prune(consumer: string, completedBefore: Date): Promise<number> {
    let removed = 0;
    for (const [id, entry] of this.entries)
      if (
        id.startsWith(`${consumer}\0`) &&
        entry.doneAt !== undefined &&
        entry.doneAt < completedBefore.getTime()
      ) {
        this.entries.delete(id);
        removed++;
      }
    return removed;
  }
}
