import type { Position } from '../../event-store/event';
import {
  assertPosition,
  cloneJson,
  compareBy,
  compileFilter,
  compileQuery,
  getPath,
  groupKey,
  matches,
  searchShadow,
  toStoredChanges,
  toStoredDocument,
  validateModel,
  type CompiledFilter,
  type Shadow,
} from '../read-query';
import { ReadStoreError } from '../read-store.errors';
import type { Filter, Query, ReadDocument, ReadModel, ReadStore, ReadStoreFactory } from '../read-store.port';

/** A document slot: `doc` is absent for a tombstone, which still guards with its position. */
interface Entry<T> {
  position: Position;
  doc?: T;
  shadow?: Shadow;
}

/**
 * Read store in process memory: the embedded mode's read models (rebuilt from the event store at boot) and
 * unit tests. Every operation completes synchronously inside its promise, so each conditional write is
 * trivially atomic; documents are JSON copies (`cloneJson`), so callers never share objects with the store.
 */
export class InMemoryReadStore<T extends ReadDocument> implements ReadStore<T> {
  constructor(
    readonly model: ReadModel<T>,
    private readonly entries: Map<string, Entry<T>> = new Map(),
    private readonly assertOpen: () => void = () => undefined,
  ) {
    validateModel(model);
  }

  async get(id: string): Promise<T | undefined> {
    this.assertOpen();
    const doc = this.entries.get(id)?.doc;
    return doc && cloneJson(doc);
  }

  async find(query: Query<T> = {}): Promise<T[]> {
    this.assertOpen();
    const q = compileQuery(this.model, query);
    const all = this.live(q).sort(compareBy(q.sort) as (a: T, b: T) => number);
    return all.slice(q.skip, q.limit === undefined ? undefined : q.skip + q.limit).map((d) => cloneJson(d));
  }

  async count(filter: Filter<T> = {}): Promise<number> {
    this.assertOpen();
    return this.live(compileFilter(this.model, filter)).length;
  }

  async countBy(field: string, filter: Filter<T> = {}): Promise<Record<string, number>> {
    this.assertOpen();
    const q = compileQuery(this.model, { ...filter, sort: [[field, 'asc']] }); // validates the field path
    const counts: Record<string, number> = {};
    for (const doc of this.live(q)) {
      const key = groupKey(getPath(doc, field));
      if (key !== undefined) counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  }

  async put(doc: T, position: Position): Promise<boolean> {
    this.assertOpen();
    assertPosition(position);
    const stored = toStoredDocument(this.model, doc);
    if (!this.isNewer(stored.id, position)) return false;
    this.entries.set(stored.id, { position, doc: stored, shadow: this.shadowOf(stored) });
    return true;
  }

  async patch(id: string, changes: Partial<Omit<T, 'id'>>, position: Position): Promise<boolean> {
    this.assertOpen();
    assertPosition(position);
    const set = toStoredChanges(this.model, changes);
    const entry = this.entries.get(id);
    if (!entry?.doc || entry.position >= position) return false;
    this.patchEntry(entry, set, position);
    return true;
  }

  async patchWhere(filter: Filter<T>, changes: Partial<Omit<T, 'id'>>, position: Position): Promise<number> {
    this.assertOpen();
    assertPosition(position);
    const compiled = compileFilter(this.model, filter);
    const set = toStoredChanges(this.model, changes);
    let written = 0;
    for (const entry of this.entries.values()) {
      if (
        !entry.doc ||
        entry.position >= position ||
        !matches(entry.doc as never, entry.shadow ?? {}, compiled)
      )
        continue;
      this.patchEntry(entry, set, position);
      written++;
    }
    return written;
  }

  async update(
    id: string,
    position: Position,
    change: (current: T | undefined) => T | undefined,
  ): Promise<boolean> {
    this.assertOpen();
    assertPosition(position);
    if (!this.isNewer(id, position)) return false;
    const current = this.entries.get(id)?.doc;
    const next = change(current && cloneJson(current));
    if (next === undefined) return false;
    const stored = toStoredDocument(this.model, next, id);
    this.entries.set(id, { position, doc: stored, shadow: this.shadowOf(stored) });
    return true;
  }

  async delete(id: string, position: Position): Promise<boolean> {
    this.assertOpen();
    assertPosition(position);
    if (!this.isNewer(id, position)) return false;
    this.entries.set(id, { position });
    return true;
  }

  async clear(): Promise<void> {
    this.assertOpen();
    this.entries.clear();
  }

  async drop(): Promise<void> {
    this.assertOpen();
    this.entries.clear();
  }

  private isNewer(id: string, position: Position): boolean {
    const stored = this.entries.get(id)?.position;
    return stored === undefined || stored < position;
  }

  private patchEntry(entry: Entry<T>, set: Record<string, unknown>, position: Position) {
    const doc = { ...entry.doc, ...cloneJson(set) } as T;
    entry.doc = doc;
    entry.shadow = this.shadowOf(doc);
    entry.position = position;
  }

  private shadowOf(doc: T): Shadow {
    return searchShadow(this.model, doc as unknown as Record<string, unknown>);
  }

  private live(filter: CompiledFilter): T[] {
    const out: T[] = [];
    for (const entry of this.entries.values())
      if (entry.doc && matches(entry.doc as unknown as Record<string, unknown>, entry.shadow ?? {}, filter))
        out.push(entry.doc);
    return out;
  }
}

/** Read stores in process memory; opening a model name twice shares its documents, as a database would. */
export class InMemoryReadStoreFactory implements ReadStoreFactory {
  private readonly collections = new Map<string, Map<string, Entry<never>>>();
  private closed = false;

  async open<T extends ReadDocument>(model: ReadModel<T>): Promise<ReadStore<T>> {
    this.assertOpen();
    validateModel(model);
    let entries = this.collections.get(model.name);
    if (!entries) this.collections.set(model.name, (entries = new Map()));
    return new InMemoryReadStore<T>(model, entries as Map<string, Entry<T>>, () => this.assertOpen());
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen() {
    if (this.closed) throw new ReadStoreError('READ_STORE.CLOSED', 'read store factory is closed');
  }
}
