import { describeWithInfra, uniqueName } from '@idp/testing';
import type { Connection } from 'mongoose';
import type { CheckpointStore } from '../../event-store/checkpoint-store.port';
import { InMemoryEventStore } from '../../event-store/in-memory/in-memory-event-store';
import { MongoCheckpointStore } from '../../read-store/mongo/mongo-checkpoint.store';
import { connectMongo } from '../../read-store/mongo/mongo-connection';
import { MongoReadStoreFactory } from '../../read-store/mongo/mongo-read.store';
import type { ReadModel } from '../../read-store/read-store.port';
import { defineProjection } from '../projection';
import { ProjectionRunner } from '../projection-runner';
import { MongoParkedEventStore } from './mongo-parked-event.store';

interface MemberView {
  id: string;
  org: string;
  email: string;
  status: 'invited' | 'active';
  logins: number;
}

const membersModel: ReadModel<MemberView> = {
  name: 'members',
  indexes: [{ org: 1, status: 1 }],
  searchable: ['email'],
};

const membersProjection = (version = 1) =>
  defineProjection({
    name: 'members',
    version,
    handles: [
      'MemberInvited',
      'InvitationAccepted',
      'MemberLoggedIn',
      'MemberRemoved',
      'OrganizationRenamed',
    ],
    readModels: { members: membersModel },
    async apply(event, { members }) {
      const d = event.data as { id: string; org: string; email: string; to: string };
      switch (event.type) {
        case 'MemberInvited':
          return void (await members.put(
            { id: d.id, org: d.org, email: d.email, status: 'invited', logins: 0 },
            event.position,
          ));
        case 'InvitationAccepted':
          return void (await members.patch(d.id, { status: 'active' }, event.position));
        case 'MemberLoggedIn':
          return void (await members.update(
            d.id,
            event.position,
            (m) => m && { ...m, logins: m.logins + 1 },
          ));
        case 'MemberRemoved':
          return void (await members.delete(d.id, event.position));
        case 'OrganizationRenamed':
          return void (await members.patchWhere({ where: { org: d.org } }, { org: d.to }, event.position));
      }
    },
  });

describeWithInfra(['mongo'], 'ProjectionRunner on MongoDB', (infra) => {
  let connection: Connection;
  let events: InMemoryEventStore;
  let factory: MongoReadStoreFactory;
  let checkpoints: CheckpointStore;
  const runners: ProjectionRunner[] = [];
  const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };

  beforeEach(async () => {
    connection = await connectMongo(infra().mongo!, { dbName: uniqueName('projection') });
    factory = new MongoReadStoreFactory(connection);
    checkpoints = new MongoCheckpointStore(connection);
    events = new InMemoryEventStore();
    for (let i = 0; i < 20; i++) {
      const id = `m${i}`;
      await events.append(
        `member-${id}`,
        [{ type: 'MemberInvited', data: { id, org: `org${i % 2}`, email: `M${i}@Example.com` } }],
        'any',
      );
      if (i % 3 === 0)
        await events.append(`member-${id}`, [{ type: 'InvitationAccepted', data: { id } }], 'any');
      if (i % 4 === 0)
        await events.append(
          `member-${id}`,
          [
            { type: 'MemberLoggedIn', data: { id } },
            { type: 'MemberLoggedIn', data: { id } },
          ],
          'any',
        );
      if (i === 7) await events.append(`member-${id}`, [{ type: 'MemberRemoved', data: { id } }], 'any');
    }
    await events.append(
      'organization-org1',
      [{ type: 'OrganizationRenamed', data: { org: 'org1', to: 'acme' } }],
      'any',
    );
  });
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((r) => r.stop()));
    await connection.dropDatabase();
    await connection.close();
  });

  const runner = (version = 1, cps: CheckpointStore = checkpoints, batchSize = 500) => {
    const r = new ProjectionRunner(
      membersProjection(version),
      {
        events,
        readStores: factory,
        checkpoints: cps,
        parked: new MongoParkedEventStore(connection),
        logger,
      },
      { batchSize, pollIntervalMs: 60_000, retryDelayMs: 1 },
    );
    runners.push(r as ProjectionRunner);
    return r;
  };
  const members = () => factory.open(membersModel);

  it('projects, survives a crash before the checkpoint, and rebuilds to the same documents', async () => {
    let crash = true;
    const crashing: CheckpointStore = {
      load: (n) => checkpoints.load(n),
      save: async (n, p) => {
        if (crash && n.endsWith(':position') && p > 20n) throw new Error('killed');
        await checkpoints.save(n, p);
      },
    };
    await expect(runner(1, crashing, 10).catchUp()).rejects.toThrow('killed');
    crash = false;
    await runner(1, crashing, 10).catchUp(); // re-delivers the crashed batch
    const store = await members();
    const projected = await store.find({ sort: [['id', 'asc']] });
    expect(projected).toHaveLength(19);
    expect(projected.find((m) => m.id === 'm0')).toEqual({
      id: 'm0',
      org: 'org0',
      email: 'M0@Example.com',
      status: 'active',
      logins: 2,
    });
    expect(projected.find((m) => m.id === 'm1')!.org).toBe('acme');
    expect(await store.countBy('status')).toEqual({ active: 7, invited: 12 });
    expect(
      (await store.find({ search: { text: 'm1', fields: ['email'], mode: 'prefix' } })).map((m) => m.id),
    ).toEqual(['m1', 'm10', 'm11', 'm12', 'm13', 'm14', 'm15', 'm16', 'm17', 'm18', 'm19']);

    const r = runner();
    await r.rebuild();
    expect(await store.find({ sort: [['id', 'asc']] })).toEqual(projected);
    expect((await r.status()).lag).toBe(0n);
  });

  it('rebuilds on a version bump at start, with the checkpoint kept in MongoDB', async () => {
    await runner(1).catchUp();
    await (await members()).put({ id: 'stale', org: 'x', email: 'x', status: 'invited', logins: 0 }, 10_000n);
    const v2 = runner(2);
    await v2.start();
    await v2.catchUp();
    expect(await (await members()).get('stale')).toBeUndefined();
    expect(await (await members()).count()).toBe(19);
    expect((await v2.status()).build).toBe(2n);
  });
});
