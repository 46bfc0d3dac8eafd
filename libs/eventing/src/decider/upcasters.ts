import type { RecordedEvent } from '../event-store/event';

/** Turns an event of `type` at `fromVersion` into the next version's payload. */
export interface Upcaster {
  type: string;
  fromVersion: number;
  upcast(data: unknown): unknown;
}

/**
 * Old event versions are upcast on read, never rewritten in the store. Upcasters chain: v1 → v2 → v3.
 */
export class Upcasters {
  private readonly byKey = new Map<string, Upcaster>();

  constructor(upcasters: readonly Upcaster[] = []) {
    for (const u of upcasters) {
      const key = `${u.type}@${u.fromVersion}`;
      if (this.byKey.has(key)) throw new Error(`two upcasters for ${key}`);
      this.byKey.set(key, u);
    }
  }

  apply<E extends RecordedEvent>(event: E): E {
    let current: E = event;
    for (
      let u = this.byKey.get(`${current.type}@${current.schemaVersion}`);
      u;
      u = this.byKey.get(`${current.type}@${current.schemaVersion}`)
    ) {
      current = { ...current, data: u.upcast(current.data), schemaVersion: current.schemaVersion + 1 };
    }
    return current;
  }
}

export const noUpcasters = new Upcasters();
