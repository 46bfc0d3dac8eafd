import { randomBytes } from 'node:crypto';
import { uuidv7 } from '../ids/uuid-v7';
import {
  EventStoreClosed,
  EventStoreError,
  InvalidAppend,
  InvalidRead,
  WrongExpectedVersion,
} from './errors';
import type { NewEvent, Position, RecordedEvent } from './event';
import type { EventStore, ExpectedRevision } from './event-store.port';

/** Where adapters legitimately differ. Everything else is asserted identically for every adapter. */
export interface EventStoreContractOptions {
  /**
   * Size in UTF-8 bytes of the large payload that must round-trip. Default 1 MiB. EventStoreDB refuses appends
   * above its `MaxAppendSize` (1 MiB by default, envelope included), so its suite passes a little less.
   */
  largePayloadBytes?: number;
  /** Timeout of the heavier tests, in ms. Default 60 s. */
  slowTestTimeoutMs?: number;
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * The one contract every `EventStore` adapter passes, unchanged. `open` is called once for the suite and the
 * store is closed at the end. The store may be shared with other suites (an EventStoreDB server): every test
 * writes to its own streams and looks at `readAll` only through the streams it wrote.
 */
export const describeEventStoreContract = (
  name: string,
  open: () => Promise<EventStore>,
  options: EventStoreContractOptions = {},
): void =>
  describe(`EventStore contract: ${name}`, () => {
    const largePayloadBytes = options.largePayloadBytes ?? 1024 * 1024;
    const slow = options.slowTestTimeoutMs ?? 60_000;
    const run = randomBytes(4).toString('hex');
    let seq = 0;
    /** A stream name no other test (or suite sharing the store) uses. */
    const streamName = (prefix: string) => `${prefix}-${run}${(seq++).toString(36)}`;
    const ev = (type: string, data: unknown, extra: Partial<NewEvent> = {}): NewEvent => ({
      type,
      data,
      ...extra,
    });

    let store: EventStore;
    beforeAll(async () => {
      store = await open();
    }, slow);
    afterAll(async () => {
      await store?.close();
    });

    const head = async (): Promise<Position> => (await store.headPosition()) ?? 0n;

    /** Reads `readAll` from `after` to the end in pages, checking the global order on every event it sees. */
    const readAllFrom = async (after: Position, streams: ReadonlySet<string>, pageSize = 500) => {
      const mine: RecordedEvent[] = [];
      let cursor = after;
      for (;;) {
        const page = await store.readAll(cursor, pageSize);
        expect(page.length).toBeLessThanOrEqual(pageSize);
        if (page.length === 0) return mine;
        for (const e of page) {
          expect(e.position).toBeGreaterThan(cursor);
          // Writers cannot use $-names (InvalidAppend), so a $-event here is a leaked system event.
          expect(`${e.stream} ${e.type}`).not.toMatch(/^\$|\s\$/);
          cursor = e.position;
          if (streams.has(e.stream)) mine.push(e);
        }
      }
    };

    /** The first event of `streams` strictly after `after`, paging over other suites' events. */
    const nextOf = async (after: Position, streams: ReadonlySet<string>) => {
      let cursor = after;
      for (;;) {
        const page = await store.readAll(cursor, 50);
        if (page.length === 0) return undefined;
        const found = page.find((e) => streams.has(e.stream));
        if (found) return found;
        cursor = page.at(-1)!.position;
      }
    };

    const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
      try {
        await promise;
      } catch (err) {
        return err;
      }
      throw new Error('expected a rejection, got a result');
    };

    const expectWrongVersion = async (
      promise: Promise<unknown>,
      stream: string,
      expected: ExpectedRevision,
      actual: number | 'no_stream',
    ) => {
      const err = await rejection(promise);
      expect(err).toBeInstanceOf(WrongExpectedVersion);
      expect(err).toBeInstanceOf(EventStoreError);
      expect(err).toMatchObject({ code: 'EVENT_STORE.WRONG_EXPECTED_VERSION', stream, expected, actual });
    };

    describe('append and read', () => {
      it('records the full envelope and reads it back from the stream and from the global order', async () => {
        const stream = streamName('account');
        const start = await head();
        const givenId = uuidv7();
        const metadata = {
          correlationId: 'corr-1',
          causationId: 'cause-1',
          actor: { kind: 'user' as const, id: 'user-1', impersonatorId: 'admin-1' },
          traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
          custom: { nested: [1, 'two', null, true] },
        };
        const before = Date.now();
        const result = await store.append(
          stream,
          [
            ev(
              'AccountRegistered',
              { username: 'ada', tags: ['a', 'b'], age: 36.5, admin: false, nothing: null },
              {
                id: givenId,
                schemaVersion: 3,
                metadata,
              },
            ),
            ev('EmailVerified', { at: '2026-01-01T00:00:00.000Z' }),
          ],
          'no_stream',
        );
        const after = Date.now();
        expect(result.nextExpectedRevision).toBe(1);
        expect(typeof result.position).toBe('bigint');

        const events = await store.readStream(stream);
        expect(events).toHaveLength(2);
        const [first, second] = events as [RecordedEvent, RecordedEvent];
        expect(first).toMatchObject({
          id: givenId,
          type: 'AccountRegistered',
          data: { username: 'ada', tags: ['a', 'b'], age: 36.5, admin: false, nothing: null },
          schemaVersion: 3,
          metadata,
          stream,
          revision: 0,
        });
        expect(second).toMatchObject({
          type: 'EmailVerified',
          schemaVersion: 1,
          metadata: {},
          stream,
          revision: 1,
        });
        expect(second.id).toMatch(UUID_V7);
        expect(second.id).not.toBe(first.id);
        for (const e of events) {
          expect(typeof e.position).toBe('bigint');
          expect(e.position).toBeGreaterThan(start);
          expect(e.occurredAt).toBeInstanceOf(Date);
          expect(e.occurredAt.getTime()).toBeGreaterThanOrEqual(before);
          expect(e.occurredAt.getTime()).toBeLessThanOrEqual(after);
        }
        expect(second.position).toBeGreaterThan(first.position);
        expect(second.position).toBe(result.position);

        expect(await readAllFrom(start, new Set([stream]))).toEqual(events);
        expect(await store.headPosition()).toBeGreaterThanOrEqual(result.position);
      });

      it('round-trips every JSON value kind as data', async () => {
        const stream = streamName('kinds');
        const values: unknown[] = [
          {},
          [],
          'text',
          '',
          0,
          -1.25e-7,
          2 ** 53 - 1,
          true,
          false,
          null,
          [[{ a: [{}] }]],
        ];
        await store.append(
          stream,
          values.map((data) => ev('ValueStored', data)),
          'no_stream',
        );
        expect((await store.readStream(stream)).map((e) => e.data)).toEqual(values);
      });

      it('continues revisions across appends and returns [] for a stream that does not exist', async () => {
        const stream = streamName('continue');
        const one = await store.append(stream, [ev('A', { n: 1 })], 'no_stream');
        const two = await store.append(
          stream,
          [ev('B', { n: 2 }), ev('C', { n: 3 })],
          one.nextExpectedRevision,
        );
        expect(one.nextExpectedRevision).toBe(0);
        expect(two.nextExpectedRevision).toBe(2);
        expect(two.position).toBeGreaterThan(one.position);
        expect((await store.readStream(stream)).map((e) => [e.revision, e.type])).toEqual([
          [0, 'A'],
          [1, 'B'],
          [2, 'C'],
        ]);
        expect(await store.readStream(streamName('never-written'))).toEqual([]);
      });

      it('reads a slice of a stream with fromRevision and maxCount', async () => {
        const stream = streamName('slice');
        await store.append(
          stream,
          [0, 1, 2, 3, 4].map((i) => ev('Numbered', { i })),
          'no_stream',
        );
        const revisions = async (o: { fromRevision?: number; maxCount?: number }) =>
          (await store.readStream(stream, o)).map((e) => e.revision);
        expect(await revisions({ fromRevision: 2 })).toEqual([2, 3, 4]);
        expect(await revisions({ fromRevision: 1, maxCount: 2 })).toEqual([1, 2]);
        expect(await revisions({ maxCount: 1 })).toEqual([0]);
        expect(await revisions({ maxCount: 0 })).toEqual([]);
        expect(await revisions({ fromRevision: 4, maxCount: 10 })).toEqual([4]);
        expect(await revisions({ fromRevision: 5 })).toEqual([]);
        expect(await revisions({ fromRevision: 1000 })).toEqual([]);
      });

      it('round-trips unicode stream names, types and payloads (emoji, RTL, combining marks, control characters)', async () => {
        const stream = streamName('ユーザー-مستخدم-משתמש-😀');
        const start = await head();
        const controls =
          Array.from({ length: 31 }, (_, i) => String.fromCharCode(i + 1)).join('') + '\u007f\u0080\u009f';
        const data = {
          scripts: ['ユーザー', 'مستخدم', 'משתמש', 'Ελληνικά', 'हिन्दी', '한국어', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢'],
          emoji: ['👩‍👩‍👧‍👦', '🏳️‍🌈', '👍🏽', '🇺🇦'],
          combining: ['e\u0301', 'Z̤͔ͧ̑̓'],
          bidi: ['\u202Eevil\u202C', '\u200Fשלום\u200E', '\u2067isolate\u2069'],
          controls,
          separators: 'x\u2028y\u2029z\uFEFF\u00A0',
          tricky: '"\'\\/`<>&${}',
          escapedLookalikes: '\\u0000 \\ud800 \\\\u0000',
          [controls]: 'a key made of control characters',
          'ключ-键-🔑': { nested: '值' },
        };
        const metadata = { correlationId: 'κορρ-🔗', actor: { kind: 'user' as const, id: 'מזהה' } };
        const type = 'ÜnïcødeHappened✓';
        await store.append(stream, [ev(type, data, { metadata })], 'no_stream');
        const [read] = await store.readStream(stream);
        expect(read).toMatchObject({ stream, type, data, metadata });
        expect((read!.data as typeof data).controls).toBe(controls);
        const [viaAll] = await readAllFrom(start, new Set([stream]));
        expect(viaAll).toEqual(read);
      });

      it(
        `round-trips a large payload (${largePayloadBytes} bytes) exactly`,
        async () => {
          const stream = streamName('large');
          const unit = 'abcdefghij0123456789-ü-€-😀\t\n"\\';
          const encodedUnit = Buffer.byteLength(JSON.stringify(unit)) - 2;
          let blob = unit.repeat(Math.floor((largePayloadBytes - 16) / encodedUnit));
          blob += 'z'.repeat(largePayloadBytes - Buffer.byteLength(JSON.stringify({ blob })));
          expect(Buffer.byteLength(JSON.stringify({ blob }))).toBe(largePayloadBytes);
          await store.append(stream, [ev('BlobStored', { blob })], 'no_stream');
          const [read] = await store.readStream(stream);
          expect((read!.data as { blob: string }).blob === blob).toBe(true);
        },
        slow,
      );
    });

    describe('expected revision', () => {
      it("'no_stream' succeeds only on a stream that does not exist", async () => {
        const stream = streamName('no-stream');
        await store.append(stream, [ev('A', {})], 'no_stream');
        await expectWrongVersion(store.append(stream, [ev('B', {})], 'no_stream'), stream, 'no_stream', 0);
      });

      it("'stream_exists' fails on a missing stream with actual 'no_stream' and succeeds once it exists", async () => {
        const stream = streamName('exists');
        await expectWrongVersion(
          store.append(stream, [ev('A', {})], 'stream_exists'),
          stream,
          'stream_exists',
          'no_stream',
        );
        expect(await store.readStream(stream)).toEqual([]);
        await store.append(stream, [ev('A', {})], 'any');
        expect((await store.append(stream, [ev('B', {})], 'stream_exists')).nextExpectedRevision).toBe(1);
      });

      it('an exact revision must equal the last revision, and the error carries the actual one', async () => {
        const stream = streamName('exact');
        await expectWrongVersion(store.append(stream, [ev('A', {})], 0), stream, 0, 'no_stream');
        await store.append(stream, [ev('A', {}), ev('B', {})], 'no_stream');
        await expectWrongVersion(store.append(stream, [ev('C', {})], 0), stream, 0, 1);
        await expectWrongVersion(store.append(stream, [ev('C', {})], 2), stream, 2, 1);
        expect((await store.append(stream, [ev('C', {})], 1)).nextExpectedRevision).toBe(2);
      });

      it("'any' appends to new and existing streams", async () => {
        const stream = streamName('any');
        expect((await store.append(stream, [ev('A', {})], 'any')).nextExpectedRevision).toBe(0);
        expect((await store.append(stream, [ev('B', {})], 'any')).nextExpectedRevision).toBe(1);
      });

      it('writes nothing of a batch that fails its expected revision', async () => {
        const stream = streamName('conflict-batch');
        const start = await head();
        const first = await store.append(stream, [ev('A', { n: 0 })], 'no_stream');
        const ids = [uuidv7(), uuidv7(), uuidv7()];
        const batch = ids.map((id, n) => ev('Lost', { n }, { id }));
        await expectWrongVersion(store.append(stream, batch, 'no_stream'), stream, 'no_stream', 0);
        await expectWrongVersion(store.append(stream, batch, 5), stream, 5, 0);
        const all = await readAllFrom(start, new Set([stream]));
        expect(all.map((e) => e.type)).toEqual(['A']);
        expect(all.some((e) => ids.includes(e.id))).toBe(false);
        expect((await store.readStream(stream)).map((e) => e.id)).toEqual(all.map((e) => e.id));
        expect(first.nextExpectedRevision).toBe(0);
      });

      it('an empty append writes nothing but still checks the expected revision', async () => {
        const stream = streamName('empty');
        expect(await store.append(stream, [], 'no_stream')).toEqual({
          nextExpectedRevision: -1,
          position: 0n,
        });
        await expectWrongVersion(
          store.append(stream, [], 'stream_exists'),
          stream,
          'stream_exists',
          'no_stream',
        );
        expect(await store.readStream(stream)).toEqual([]);
        const written = await store.append(stream, [ev('A', {})], 'no_stream');
        expect(await store.append(stream, [], 0)).toEqual(written);
        expect(await store.append(stream, [], 'any')).toEqual(written);
        await expectWrongVersion(store.append(stream, [], 'no_stream'), stream, 'no_stream', 0);
        await expectWrongVersion(store.append(stream, [], 3), stream, 3, 0);
        expect(await store.readStream(stream)).toHaveLength(1);
      });

      it.each<[string, number, ExpectedRevision]>([
        ['no_stream', 0, 'no_stream'],
        ['an exact revision', 1, 0],
      ])(
        '50 concurrent appenders expecting %s: exactly one wins, 49 get WrongExpectedVersion',
        async (_label, existing, expected) => {
          const stream = streamName('race');
          if (existing) await store.append(stream, [ev('Seed', {})], 'no_stream');
          const results = await Promise.allSettled(
            Array.from({ length: 50 }, (_, i) =>
              store.append(stream, [ev('Raced', { i }), ev('RacedToo', { i })], expected),
            ),
          );
          const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
          expect(won).toHaveLength(1);
          for (const r of results) {
            if (r.status === 'rejected') {
              expect(r.reason).toBeInstanceOf(WrongExpectedVersion);
              expect(r.reason).toMatchObject({ stream, expected, actual: existing + 1 });
            }
          }
          const events = await store.readStream(stream);
          expect(events).toHaveLength(existing + 2);
          expect(events.slice(existing).map((e) => e.data)).toEqual([{ i: won[0] }, { i: won[0] }]);
        },
        slow,
      );
    });

    describe('global order', () => {
      it('is one strictly increasing order across streams, each event exactly once, in append order', async () => {
        const streams = [streamName('order'), streamName('order'), streamName('order')];
        const start = await head();
        const appended: string[] = [];
        const revisions = [-1, -1, -1];
        for (let i = 0; i < 30; i++) {
          const s = (i * 7) % 3;
          const batch = Array.from({ length: 1 + (i % 3) }, (_, k) => ev('Ordered', { i, k }));
          const r = await store.append(streams[s]!, batch, revisions[s] === -1 ? 'no_stream' : revisions[s]!);
          revisions[s] = r.nextExpectedRevision;
          const written = await store.readStream(streams[s]!, {
            fromRevision: r.nextExpectedRevision - batch.length + 1,
          });
          expect(written.at(-1)!.position).toBe(r.position);
          appended.push(...written.map((e) => e.id));
        }
        const all = await readAllFrom(start, new Set(streams), 7);
        expect(all.map((e) => e.id)).toEqual(appended);
        expect(new Set(all.map((e) => e.id)).size).toBe(appended.length);
        for (let i = 1; i < all.length; i++) expect(all[i]!.position).toBeGreaterThan(all[i - 1]!.position);
        for (const s of streams) {
          const fromAll = all.filter((e) => e.stream === s);
          expect(fromAll).toEqual(await store.readStream(s));
        }
      });

      it('resumes right after any position and honours the limit', async () => {
        const streams = new Set([streamName('resume'), streamName('resume')]);
        const start = await head();
        const [a, b] = [...streams] as [string, string];
        for (let i = 0; i < 10; i++) await store.append(i % 2 ? a : b, [ev('Step', { i })], 'any');
        const all = await readAllFrom(start, streams, 3);
        expect(all.map((e) => (e.data as { i: number }).i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        expect((await nextOf(start, streams))?.id).toBe(all[0]!.id);
        for (let i = 0; i < all.length; i++)
          expect((await nextOf(all[i]!.position, streams))?.id).toBe(all[i + 1]?.id);
        expect(await store.readAll(start, 4)).toHaveLength(4);
        const fromLast = await store.readAll(all.at(-1)!.position);
        expect(fromLast.every((e) => e.position > all.at(-1)!.position)).toBe(true);
      });

      it(
        'a reader tailing readAll during 8 concurrent writers sees every event exactly once, in the final order',
        async () => {
          const writers = 8;
          const appendsPerWriter = 100;
          const streams = Array.from({ length: writers }, () => streamName('tail'));
          const mine = new Set(streams);
          const start = await head();
          let writing = true;
          const writes = Promise.all(
            streams.map(async (s) => {
              for (let i = 0; i < appendsPerWriter; i++)
                await store.append(s, [ev('Ticked', { i })], i === 0 ? 'no_stream' : i - 1);
            }),
          ).finally(() => {
            writing = false;
          });

          const seen: RecordedEvent[] = [];
          let pagesDuringWrites = 0;
          const tail = (async () => {
            let cursor = start;
            for (;;) {
              // Read the flag before the page: a page read after the writers finished is complete.
              const finalPass = !writing;
              const page = await store.readAll(cursor, 64);
              for (const e of page) {
                if (e.position <= cursor)
                  throw new Error(`position went back: ${e.position} after ${cursor}`);
                cursor = e.position;
                if (mine.has(e.stream)) seen.push(e);
              }
              if (!finalPass && page.length > 0) pagesDuringWrites++;
              if (page.length === 0) {
                if (finalPass) return;
                await new Promise((resolve) => setTimeout(resolve, 1));
              }
            }
          })();
          await Promise.all([writes, tail]);

          expect(pagesDuringWrites).toBeGreaterThan(1);
          expect(seen).toHaveLength(writers * appendsPerWriter);
          expect(new Set(seen.map((e) => e.id)).size).toBe(seen.length);
          const final = await readAllFrom(start, mine);
          expect(seen.map((e) => e.id)).toEqual(final.map((e) => e.id));
          for (const s of streams)
            expect(seen.filter((e) => e.stream === s).map((e) => e.revision)).toEqual([
              ...Array(appendsPerWriter).keys(),
            ]);
        },
        slow,
      );
    });

    it(
      'reads back a 10,000-event stream complete and in order',
      async () => {
        const stream = streamName('long');
        const start = await head();
        const total = 10_000;
        const batch = 500;
        let expected: ExpectedRevision = 'no_stream';
        for (let from = 0; from < total; from += batch) {
          const events = Array.from({ length: batch }, (_, k) => ev('Counted', { i: from + k }));
          expected = (await store.append(stream, events, expected)).nextExpectedRevision;
        }
        expect(expected).toBe(total - 1);
        const events = await store.readStream(stream);
        expect(events).toHaveLength(total);
        events.forEach((e, i) => {
          if (e.revision !== i || (e.data as { i: number }).i !== i)
            throw new Error(`event ${i} out of order: ${e.revision}`);
          if (i > 0 && e.position <= events[i - 1]!.position)
            throw new Error(`position of ${i} not increasing`);
        });
        expect((await store.readStream(stream, { fromRevision: 9_990 })).map((e) => e.revision)).toEqual([
          9990, 9991, 9992, 9993, 9994, 9995, 9996, 9997, 9998, 9999,
        ]);
        expect((await readAllFrom(start, new Set([stream]), 1000)).map((e) => e.id)).toEqual(
          events.map((e) => e.id),
        );
      },
      slow,
    );

    describe('atomicity and validation', () => {
      it('writes nothing of a batch holding a non-serialisable or invalid event', async () => {
        const stream = streamName('atomic');
        const circular: Record<string, unknown> = {};
        circular.self = circular;
        const bad: NewEvent[] = [
          ev('Bad', { n: 1n }),
          ev('Bad', circular),
          ev('', {}),
          ev('Bad', undefined),
          ev('Bad', { nul: 'a\u0000b' }),
          ev('Bad', {}, { id: 'not-a-uuid' }),
        ];
        for (const b of bad) {
          const err = await rejection(
            store.append(
              stream,
              [ev('Good', { n: 0 }), ev('Good', { n: 1 }), b, ev('Good', { n: 3 })],
              'no_stream',
            ),
          );
          expect(err).toBeInstanceOf(InvalidAppend);
          expect(err).toMatchObject({ code: 'EVENT_STORE.INVALID_APPEND' });
        }
        expect(await store.readStream(stream)).toEqual([]);
        expect((await store.append(stream, [ev('Good', {})], 'no_stream')).nextExpectedRevision).toBe(0);
      });

      it.each<[string, () => [string, NewEvent[], ExpectedRevision]]>([
        ['an empty stream name', () => ['', [ev('A', {})], 'any']],
        ['a reserved $ stream name', () => ['$all', [ev('A', {})], 'any']],
        ['a stream name over 512 characters', () => ['s'.repeat(513), [ev('A', {})], 'any']],
        ['a stream name with NUL', () => [`bad\u0000${run}`, [ev('A', {})], 'any']],
        ['a stream name with a lone surrogate', () => [`bad\ud800${run}`, [ev('A', {})], 'any']],
        ['an event type over 200 characters', () => [streamName('v'), [ev('T'.repeat(201), {})], 'any']],
        ['a reserved $ event type', () => [streamName('v'), [ev('$metadata', {})], 'any']],
        ['a lone surrogate in data', () => [streamName('v'), [ev('A', { s: 'x\udc00' })], 'any']],
        ['a NUL in a data key', () => [streamName('v'), [ev('A', { ['k\u0000']: 1 })], 'any']],
        ['a NUL in metadata', () => [streamName('v'), [ev('A', {}, { metadata: { m: '\u0000' } })], 'any']],
        [
          'metadata that is not an object',
          () => [streamName('v'), [ev('A', {}, { metadata: [] as never })], 'any'],
        ],
        ['a schema version below 1', () => [streamName('v'), [ev('A', {}, { schemaVersion: 0 })], 'any']],
        [
          'a fractional schema version',
          () => [streamName('v'), [ev('A', {}, { schemaVersion: 1.5 })], 'any'],
        ],
        [
          'one event id twice',
          () => {
            const id = uuidv7();
            return [streamName('v'), [ev('A', {}, { id }), ev('B', {}, { id: id.toUpperCase() })], 'any'];
          },
        ],
        ['a negative expected revision', () => [streamName('v'), [ev('A', {})], -1]],
        ['a fractional expected revision', () => [streamName('v'), [ev('A', {})], 0.5]],
        ['an unknown expected revision', () => [streamName('v'), [ev('A', {})], 'latest' as never]],
      ])('refuses %s with InvalidAppend and writes nothing', async (_label, args) => {
        const [stream, events, expected] = args();
        const err = await rejection(store.append(stream, events, expected));
        expect(err).toBeInstanceOf(InvalidAppend);
        if (stream && !stream.startsWith('$') && stream.length <= 512 && !/[\u0000\ud800]/.test(stream))
          expect(await store.readStream(stream)).toEqual([]);
      });

      it('refuses reads it cannot answer with InvalidRead', async () => {
        const stream = streamName('bad-read');
        for (const read of [
          () => store.readStream(stream, { fromRevision: -1 }),
          () => store.readStream(stream, { fromRevision: 0.5 }),
          () => store.readStream(stream, { maxCount: -1 }),
          () => store.readAll(-1n),
          () => store.readAll(0n, 0),
          () => store.readAll(0n, 2.5),
        ])
          expect(await rejection(read())).toBeInstanceOf(InvalidRead);
      });
    });

    // Last: closes the shared store (afterAll's close must then be a no-op).
    it('close is idempotent and later calls fail with EventStoreClosed', async () => {
      await store.close();
      await store.close();
      expect(await rejection(store.append(streamName('closed'), [ev('A', {})], 'any'))).toBeInstanceOf(
        EventStoreClosed,
      );
      expect(await rejection(store.readStream(streamName('closed')))).toBeInstanceOf(EventStoreClosed);
      expect(await rejection(store.readAll())).toBeInstanceOf(EventStoreClosed);
      expect(await rejection(store.headPosition())).toBeInstanceOf(EventStoreClosed);
    });
  });
