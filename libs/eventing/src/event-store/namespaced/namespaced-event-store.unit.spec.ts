import { describeEventStoreContract } from '../event-store.contract';
import { InMemoryEventStore } from '../in-memory/in-memory-event-store';
import { NamespacedEventStore } from './namespaced-event-store';

// A store shared by two services: the contract must hold for one of them while the other writes noise.
const sharedStore = () => {
  const shared = new InMemoryEventStore();
  const noise = new NamespacedEventStore(shared, 'membership');
  return { shared, noise, identity: new NamespacedEventStore(shared, 'identity', 7) };
};

describeEventStoreContract('namespaced over in-memory, beside another namespace', async () => {
  const { noise, identity } = sharedStore();
  for (let i = 0; i < 25; i++)
    await noise.append(`org-${i}`, [{ type: 'OrganizationCreated', data: { i } }], 'no_stream');
  return identity;
});

describe('NamespacedEventStore', () => {
  it('keeps services apart: same stream name, separate streams; readAll sees only its own', async () => {
    const { shared, noise, identity } = sharedStore();
    await identity.append('account-1', [{ type: 'AccountRegistered', data: {} }], 'no_stream');
    await noise.append('account-1', [{ type: 'Noise', data: {} }], 'no_stream');
    for (let i = 0; i < 20; i++) await noise.append(`org-${i}`, [{ type: 'Noise', data: {} }], 'no_stream');
    await identity.append('account-1', [{ type: 'EmailVerified', data: {} }], 0);

    expect((await identity.readStream('account-1')).map((e) => e.type)).toEqual([
      'AccountRegistered',
      'EmailVerified',
    ]);
    const all = await identity.readAll(0n, 10);
    expect(all.map((e) => [e.stream, e.type])).toEqual([
      ['account-1', 'AccountRegistered'],
      ['account-1', 'EmailVerified'],
    ]);
    expect(all[1]!.position).toBe(23n); // underlying positions: sparse, still resumable
    expect(await identity.readAll(all[0]!.position, 10)).toHaveLength(1);
    expect((await shared.readStream('identity:account-1')).length).toBe(2);
  });

  it('reports conflicts with the caller’s stream name', async () => {
    const { identity } = sharedStore();
    await identity.append('account-2', [{ type: 'A', data: {} }], 'no_stream');
    await expect(identity.append('account-2', [{ type: 'A', data: {} }], 'no_stream')).rejects.toMatchObject({
      stream: 'account-2',
      actual: 0,
    });
  });
});
