import {
  ANY,
  BACKWARDS,
  END,
  MaxAppendSizeExceededError,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AppendResult,
  type AppendToStreamOptions,
  type EventData,
  type KurrentDBClient,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';

/**
 * TEST ONLY. The slice of `KurrentDBClient` the adapter uses, simulating a server as documented, so the adapter's
 * own logic (state mapping, error mapping, paging over `$all`, skipping system events, resuming) runs through the
 * contract on machines without EventStoreDB. Faithful to what the adapter relies on, and deliberately awkward:
 * - `$all` positions are sparse byte offsets, and system events (`$stats-…`, `$$…` metadata) are interleaved;
 * - reads forwards from a position include the event at that position, backwards reads include it too;
 * - errors are the client's own classes (`WrongExpectedVersionError` with `actualState`, `StreamNotFoundError`
 *   raised while iterating, `MaxAppendSizeExceededError` above 1 MiB);
 * - an append result's position is `{commit: last event, prepare: first event}`.
 * It is no substitute for the real server: the int spec runs the same contract there.
 */
export const simulatedKurrentDBClient = (): KurrentDBClient => {
  const log: RecordedEvent[] = [];
  const streams = new Map<string, RecordedEvent[]>();
  let offset = 1000n;
  let disposed = false;

  const write = (streamId: string, e: { id: string; type: string; data: unknown; metadata: unknown }) => {
    offset += 40n + BigInt(Math.floor(Math.random() * 200));
    const list = streams.get(streamId) ?? [];
    const recorded = {
      streamId,
      id: e.id,
      isJson: true,
      revision: BigInt(list.length),
      type: e.type,
      created: new Date(),
      data: JSON.parse(JSON.stringify(e.data)),
      metadata: e.metadata === undefined ? undefined : JSON.parse(JSON.stringify(e.metadata)),
      position: { commit: offset, prepare: offset },
    } as RecordedEvent;
    list.push(recorded);
    streams.set(streamId, list);
    log.push(recorded);
    return recorded;
  };
  const system = () => {
    if (Math.random() < 0.3)
      write(`$stats-127.0.0.1:2113`, {
        id: crypto.randomUUID(),
        type: '$statsCollected',
        data: {},
        metadata: {},
      });
    if (Math.random() < 0.05)
      write(`$$user-stream`, { id: crypto.randomUUID(), type: '$metadata', data: {}, metadata: {} });
  };
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  const resolved = (e: RecordedEvent): ResolvedEvent => ({ event: e, commitPosition: e.position!.commit });
  const assertOpen = () => {
    if (disposed) throw new Error('client disposed');
  };

  const client = {
    async appendToStream(
      streamName: string,
      events: EventData | EventData[],
      options: AppendToStreamOptions = {},
    ): Promise<AppendResult> {
      assertOpen();
      await tick();
      const list = Array.isArray(events) ? events : [events];
      const size = list.reduce(
        (n, e) =>
          n + Buffer.byteLength(JSON.stringify(e.data)) + Buffer.byteLength(JSON.stringify(e.metadata ?? '')),
        0,
      );
      if (size > 1024 * 1024) throw MaxAppendSizeExceededError.fromMaxAppendSize(1024 * 1024);
      const existing = streams.get(streamName);
      const current = existing?.length ? BigInt(existing.length - 1) : NO_STREAM;
      const state = options.streamState ?? ANY;
      const ok =
        state === ANY ||
        (state === NO_STREAM && current === NO_STREAM) ||
        (state === STREAM_EXISTS && current !== NO_STREAM) ||
        (typeof state === 'bigint' && state === current);
      if (!ok) throw new WrongExpectedVersionError(undefined, { streamName, expected: state, current });
      system();
      const written = list.map((e) => write(streamName, e));
      system();
      return {
        success: true,
        nextExpectedRevision: written.at(-1)!.revision,
        position: { commit: written.at(-1)!.position!.commit, prepare: written[0]!.position!.prepare },
      };
    },

    readStream(streamName: string, options: ReadStreamOptions = {}): AsyncIterableIterator<ResolvedEvent> {
      return (async function* () {
        assertOpen();
        await tick();
        const list = streams.get(streamName);
        if (!list) throw new StreamNotFoundError(undefined, streamName);
        const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
        const selected =
          options.direction === BACKWARDS
            ? list
                .slice(
                  0,
                  options.fromRevision === END || options.fromRevision === undefined
                    ? list.length
                    : Number(options.fromRevision) + 1,
                )
                .reverse()
            : list.slice(
                options.fromRevision === START || options.fromRevision === undefined
                  ? 0
                  : Number(options.fromRevision),
              );
        for (const e of selected.slice(0, max)) yield resolved(e);
      })();
    },

    readAll(options: ReadAllOptions = {}): AsyncIterableIterator<ResolvedEvent> {
      return (async function* () {
        assertOpen();
        await tick();
        const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
        const from = options.fromPosition;
        const selected =
          options.direction === BACKWARDS
            ? log
                .filter(
                  (e) =>
                    from === END ||
                    from === undefined ||
                    e.position!.commit <= (from as { commit: bigint }).commit,
                )
                .reverse()
            : log.filter(
                (e) =>
                  from === START ||
                  from === undefined ||
                  e.position!.commit >= (from as { commit: bigint }).commit,
              );
        for (const e of selected.slice(0, max)) yield resolved(e);
      })();
    },

    async dispose() {
      disposed = true;
    },
  };
  return client as unknown as KurrentDBClient;
};
