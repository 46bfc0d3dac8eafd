import { EventStoreUnavailable } from '../errors';
import { openPostgresEventStore } from './postgres-event-store';

describe('openPostgresEventStore without a server', () => {
  it('fails with EventStoreUnavailable naming the server, password redacted', async () => {
    const err = await openPostgresEventStore({
      url: 'postgres://app:s3cret@127.0.0.1:1/idp',
      pool: { connectionTimeoutMillis: 2000 },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EventStoreUnavailable);
    expect((err as Error).message).toContain('127.0.0.1:1');
    expect((err as Error).message).not.toContain('s3cret');
  });

  it('refuses a schema name that is not a plain identifier before connecting', async () => {
    await expect(
      openPostgresEventStore({ url: 'postgres://127.0.0.1:1/idp', schema: 'x"; DROP TABLE y; --' }),
    ).rejects.toThrow(/invalid schema name/);
  });
});
