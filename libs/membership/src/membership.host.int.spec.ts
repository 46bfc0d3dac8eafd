import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { lastValueFrom, firstValueFrom, timeout } from 'rxjs';
import {
  eventsTopic,
  type IdentityIntegrationEvent,
  MEMBERSHIP,
  type MembershipResult,
  type OrganizationList,
  type OrganizationResult,
} from '@idp/contracts';
import {
  BUS_CLIENT,
  type BusClient,
  EVENT_STORE,
  type EventStore,
  jsonBusRecord,
  loadInfraConfig,
  type RecordedEvent,
  startHost,
  toEventMessage,
  uuidv7,
} from '@idp/eventing';
import {
  describeWithInfra,
  distributedTestEnv,
  type DistributedTestEnv,
  eventually,
  uniqueName,
} from '@idp/testing';
import { MembershipModule, membershipService } from './membership.module';

jest.setTimeout(120_000);

/**
 * The module as hosts run it: every `MEMBERSHIP` pattern answered over the bus, identity's events consumed from
 * `identity.events` by the process manager, the relay publishing through the selector. Embedded (PGlite,
 * in-process bus, memory) and distributed (PostgreSQL, Kafka, MongoDB).
 */
const describeHost = (
  name: string,
  env: () => Promise<Record<string, string>>,
  cleanup: () => Promise<void> = async () => {},
) =>
  describe(name, () => {
    let app: NestFastifyApplication;
    let bus: BusClient;
    let store: EventStore;
    let dataDir: string;
    const run = uniqueName('h').replace(/_/g, '-');

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'membership-host-'));
      app = await startHost({
        process: 'membership-test',
        services: [
          {
            ...membershipService,
            module: (infra) => MembershipModule.register(infra, { service: { userWaitMs: 20_000 } }),
          },
        ],
        consumerGroup: uniqueName('membership'),
        config: loadInfraConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, ...(await env()) }),
      });
      bus = app.get<BusClient>(BUS_CLIENT);
      store = app.get<EventStore>(EVENT_STORE, { strict: false });
    }, 90_000);
    afterAll(async () => {
      await app?.close();
      rmSync(dataDir, { recursive: true, force: true });
      await cleanup();
    });

    const send = <T>(pattern: string, body: Record<string, unknown>): Promise<T> =>
      firstValueFrom(bus.send<T>(pattern, { meta: {}, ...body }).pipe(timeout(30_000)));
    const failure = (p: Promise<unknown>) =>
      p.then(
        () => {
          throw new Error('expected an error reply');
        },
        (err: unknown) => err as { code?: string },
      );
    const revisions = new Map<string, number>();
    const emit = async (e: IdentityIntegrationEvent): Promise<RecordedEvent> => {
      const revision = (revisions.get(e.data.userId) ?? -1) + 1;
      revisions.set(e.data.userId, revision);
      const event: RecordedEvent = {
        id: uuidv7(),
        type: e.type,
        schemaVersion: 1,
        stream: `account-${e.data.userId}`,
        revision,
        position: BigInt(revision + 1),
        occurredAt: new Date(),
        data: e.data,
        metadata: {},
      };
      const m = toEventMessage(event);
      await lastValueFrom(bus.emit(eventsTopic('identity'), jsonBusRecord(m.key, m.value, m.headers)), {
        defaultValue: undefined,
      });
      return event;
    };
    const as = (userId: string) => ({ meta: { actor: { kind: 'user', id: userId } } });

    it('answers every MEMBERSHIP pattern (a malformed request is MEMBERSHIP.INVALID_REQUEST, never a timeout)', async () => {
      for (const pattern of Object.values(MEMBERSHIP))
        expect(await failure(send(pattern, { meta: 'junk' }))).toMatchObject({
          code: 'MEMBERSHIP.INVALID_REQUEST',
        });
      expect(await failure(send(MEMBERSHIP.getOrganization, { organization: 'nope' }))).toMatchObject({
        code: 'ORGANIZATION.NOT_FOUND',
      });
    });

    it('learns users from identity.events, then serves organizations, invitations and sign-up acceptance', async () => {
      const alice = {
        userId: `user-alice-${run}`,
        username: `alice-${run}`,
        email: `alice-${run}@example.org`,
      };
      await emit({
        type: 'AccountRegistered',
        data: { ...alice, emailConfirmed: true, registeredAt: new Date().toISOString() },
      });
      // The write waits for the account to arrive from the topic.
      const { organization } = await send<OrganizationResult>(MEMBERSHIP.createOrganization, {
        ...as(alice.userId),
        name: `org-${run}`,
        email: 'billing@example.org',
      });
      expect(organization).toMatchObject({ name: `org-${run}`, permissions: { canUpdate: true } });
      expect(
        await send<OrganizationList>(MEMBERSHIP.listOrganizations, { ...as(alice.userId) }),
      ).toMatchObject({ total: 1, organizations: [{ id: organization.id }] });

      const bobEmail = `bob-${run}@example.org`;
      const { membership } = await send<MembershipResult>(MEMBERSHIP.invite, {
        ...as(alice.userId),
        organization: organization.name,
        email: bobEmail,
      });
      expect(membership.status).toBe('invited');
      const invited = (await store.readStream(`organization-${organization.id}`)).at(-1)!;
      expect(invited.type).toBe('MemberInvited');

      const bob = `user-bob-${run}`;
      await emit({
        type: 'AccountRegistered',
        data: {
          userId: bob,
          username: `bob-${run}`,
          email: bobEmail,
          emailConfirmed: true,
          registeredAt: new Date().toISOString(),
          invitation: { organizationId: organization.id, membershipId: membership.id },
        },
      });
      await eventually(async () => {
        const mine = await send<{ memberships: Array<{ id: string; status: string }> }>(
          MEMBERSHIP.listMyMemberships,
          as(bob),
        );
        expect(mine.memberships).toEqual([expect.objectContaining({ id: membership.id, status: 'active' })]);
      });
      const accepted = (await store.readStream(`organization-${organization.id}`)).filter(
        (e) => e.type === 'InvitationAccepted',
      );
      expect(accepted).toHaveLength(1);
      expect(accepted[0]!.data).toMatchObject({ userId: bob, via: 'sign-up' });
    });
  });

describeHost('membership module, embedded configuration (PGlite, in-process bus, memory)', async () => ({
  EVENT_STORE_URL: 'pglite://memory',
}));

describeWithInfra(['postgres', 'kafka', 'mongo'], 'membership module, distributed configuration', (infra) => {
  let deployment: DistributedTestEnv | undefined;
  describeHost(
    'PostgreSQL, Kafka, MongoDB',
    async () => (deployment = await distributedTestEnv(infra(), 'membership')).env,
    async () => deployment?.cleanup(),
  );
});
