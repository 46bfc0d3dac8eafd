import { useTokenTestHost } from './testing/token-test-host';
import { lastValueFrom } from 'rxjs';
import {
  type CreateOrganizationTokenResult,
  type CreateUserTokenResult,
  type DeleteOrganizationTokenResult,
  eventsTopic,
  ORG_TOKEN,
  type OrganizationTokenView,
  TOKEN,
  type TokenTtlType,
  USER_TOKEN,
  type VerifyResult,
} from '@idp/contracts';
import { jsonBusRecord, type RecordedEvent, sha256Hex, toEventMessage, uuidv7 } from '@idp/eventing';
import {
  describeWithInfra,
  distributedTestEnv,
  type DistributedTestEnv,
  eventually,
  uniqueName,
} from '@idp/testing';
import { membershipEventRecorder } from './testing/membership-events';

const MINUTE = 60_000;
const T0 = Date.parse('2026-11-26T10:00:00.000Z');
const OWNER = { actor: { kind: 'user', id: 'user-owner' } };

/** Organization API tokens through the real host and bus: requests over the bus, membership events on its topic. */
const describeOrganizationTokens = (
  name: string,
  env: () => Promise<Record<string, string>>,
  cleanup: () => Promise<void> = async () => {},
) =>
  describe(name, () => {
    const clock = { t: T0, now: () => new Date(clock.t) };
    const run = uniqueName('run').replace(/[^A-Za-z0-9_-]/g, '');
    const O = (name: string) => `org-${name}-${run}`;
    const issued: string[] = [];
    const { host, send } = useTokenTestHost(env, cleanup, clock);
    const create = async (
      organizationId: string,
      extra: Record<string, unknown> = {},
    ): Promise<CreateOrganizationTokenResult> => {
      const result = await send<CreateOrganizationTokenResult>(ORG_TOKEN.createOrganizationToken, {
        organizationId,
        organizationName: `${organizationId}-name`,
        kind: 'organization',
        meta: OWNER,
        ...extra,
      });
      issued.push(result.secret);
      return result;
    };
    const verify = (token: string) => send<VerifyResult>(TOKEN.verifyCredential, { token });
    const get = (organizationId: string, kind = 'organization') =>
      send<OrganizationTokenView>(ORG_TOKEN.getOrganizationToken, { organizationId, kind });
    const del = (organizationId: string, kind = 'organization') =>
      send<DeleteOrganizationTokenResult>(ORG_TOKEN.deleteOrganizationToken, { organizationId, kind });
    const failure = (p: Promise<unknown>) =>
      p.then(
        () => {
          throw new Error('expected an error reply');
        },
        (err: unknown) => err,
      );

    it('create → verify → get (no secret) → regenerate replaces → delete → a second delete is TOKEN.NOT_FOUND', async () => {
      clock.t = T0;
      const org = O('acme');
      const first = await create(org, {
        expiredAt: '2027-01-01T00:00:00Z',
        meta: { ...OWNER, correlationId: 'c-1' },
      });
      expect(first.secret).toMatch(/^[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_-]{67}$/);
      expect(first.replacedTokenId).toBeNull();
      const view: OrganizationTokenView = {
        id: expect.stringMatching(/^at-[1-9A-HJ-NP-Za-km-z]{16}$/) as unknown as string,
        organizationId: org,
        organizationName: `${org}-name`,
        kind: 'organization',
        createdAt: '2026-11-26T10:00:00.000Z',
        lastUsedAt: null,
        expiredAt: '2027-01-01T00:00:00.000Z',
        createdBy: { type: 'users', id: 'user-owner' },
      };
      expect(first.token).toEqual(view);

      clock.t = T0 + MINUTE;
      expect(await verify(first.secret)).toEqual({
        kind: 'organization-token',
        tokenId: first.token.id,
        organizationId: org,
        organizationName: `${org}-name`,
        tokenKind: 'organization',
        expiresAt: '2027-01-01T00:00:00.000Z',
      });
      const read = await get(org);
      expect(read).toEqual({ ...first.token, lastUsedAt: '2026-11-26T10:01:00.000Z' });
      expect(JSON.stringify(read)).not.toContain(first.secret);

      // Regenerate, by the organization token itself: the old secret stops verifying at once.
      clock.t = T0 + 2 * MINUTE;
      const second = await create(org, { meta: { actor: { kind: 'organization', id: org } } });
      expect(second.replacedTokenId).toBe(first.token.id);
      expect(second.token.id).not.toBe(first.token.id);
      expect(second.token.createdBy).toEqual({ type: 'organizations', id: org });
      expect(await verify(first.secret)).toBeNull();
      expect(await verify(second.secret)).toMatchObject({ tokenId: second.token.id, expiresAt: null });
      expect(await get(org)).toEqual({ ...second.token, lastUsedAt: '2026-11-26T10:02:00.000Z' });

      expect(await del(org)).toEqual({ revoked: true, tokenId: second.token.id });
      expect(await verify(second.secret)).toBeNull();
      expect(await failure(get(org))).toMatchObject({ code: 'TOKEN.NOT_FOUND' });
      expect(await failure(del(org))).toMatchObject({ code: 'TOKEN.NOT_FOUND', message: 'token not found' });

      const stored = await host.store.readStream(`organization-token-organization-${org}`);
      expect(stored.map((e) => e.type)).toEqual([
        'OrganizationTokenCreated',
        'OrganizationTokenRevoked',
        'OrganizationTokenCreated',
        'OrganizationTokenRevoked',
      ]);
      // The replacement and its predecessor's revocation were one append (consecutive positions, one decision).
      expect(stored[2]!.position - stored[1]!.position).toBe(1n);
      expect(stored.map((e) => (e.data as { reason?: string }).reason)).toEqual([
        undefined,
        'replaced',
        undefined,
        'deleted',
      ]);
      expect(stored[0]!.data).toMatchObject({ tokenHash: sha256Hex(first.secret) });
      expect(stored[0]!.metadata).toMatchObject({ correlationId: 'c-1' });
    });

    it('a never-created token: get and delete are TOKEN.NOT_FOUND', async () => {
      expect(await failure(get(O('none')))).toMatchObject({ code: 'TOKEN.NOT_FOUND' });
      expect(await failure(del(O('none'), 'audit-trails'))).toMatchObject({ code: 'TOKEN.NOT_FOUND' });
    });

    it('the organization and audit-trails tokens are separate: one kind never replaces or deletes the other', async () => {
      clock.t = T0;
      const org = O('kinds');
      const organization = await create(org);
      const audit = await create(org, { kind: 'audit-trails' });
      expect(audit.replacedTokenId).toBeNull();
      expect(await verify(organization.secret)).toMatchObject({ tokenKind: 'organization' });
      expect(await verify(audit.secret)).toMatchObject({ tokenKind: 'audit-trails' });
      await del(org, 'audit-trails');
      expect(await verify(audit.secret)).toBeNull();
      expect(await verify(organization.secret)).not.toBeNull();
      expect((await get(org)).id).toBe(organization.token.id);
    });

    it('expires at expired-at exactly (still readable), and refuses an expiry in the past', async () => {
      clock.t = T0;
      const org = O('exp');
      const expiredAt = new Date(T0 + 10 * MINUTE).toISOString();
      const { secret } = await create(org, { expiredAt });
      clock.t = T0 + 10 * MINUTE - 1;
      expect(await verify(secret)).toMatchObject({ kind: 'organization-token', expiresAt: expiredAt });
      clock.t = T0 + 10 * MINUTE;
      expect(await verify(secret)).toBeNull();
      expect((await get(org)).expiredAt).toBe(expiredAt);

      for (const bad of [new Date(clock.t).toISOString(), 'tomorrow'])
        expect(await failure(create(org, { expiredAt: bad }))).toMatchObject({
          code: 'TOKEN.INVALID_EXPIRY',
          details: { attribute: 'expiredAt' },
        });
      // A refused regeneration leaves the current token in place.
      expect((await get(org)).expiredAt).toBe(expiredAt);
    });

    it('refuses malformed requests: no creator, a bad organization id, an unknown kind', async () => {
      expect(await failure(create(O('bad'), { meta: {} }))).toMatchObject({
        code: 'TOKEN.INVALID_REQUEST',
        details: { attribute: 'meta.actor' },
      });
      expect(await failure(create('org/../x'))).toMatchObject({
        code: 'TOKEN.INVALID_REQUEST',
        details: { attribute: 'organizationId' },
      });
      expect(await failure(get(O('bad'), 'team'))).toMatchObject({
        code: 'TOKEN.INVALID_REQUEST',
        details: { attribute: 'kind' },
      });
      expect(await failure(get(O('bad')))).toMatchObject({ code: 'TOKEN.NOT_FOUND' });
    });

    it('a repeated create request (same idempotency key) creates no second token', async () => {
      const org = O('retry');
      const requestId = uuidv7();
      const first = await create(org, { requestId });
      expect(await failure(create(org, { requestId }))).toMatchObject({ code: 'TOKEN.ALREADY_EXISTS' });
      expect((await get(org)).id).toBe(first.token.id);
      expect(await verify(first.secret)).not.toBeNull();
    });

    it('user and organization tokens share one verification path and one secret shape', async () => {
      const user = await send<CreateUserTokenResult>(USER_TOKEN.createUserToken, { userId: 'user-both' });
      issued.push(user.secret);
      const org = await create(O('both'));
      expect(await verify(user.secret)).toMatchObject({ kind: 'user-token', userId: 'user-both' });
      expect(await verify(org.secret)).toMatchObject({
        kind: 'organization-token',
        organizationId: O('both'),
      });
      expect(await verify(`${'a'.repeat(14)}.atlasv1.${'b'.repeat(67)}`)).toBeNull();
    });

    describe('membership events', () => {
      const membershipEvent = membershipEventRecorder(() => clock.t);
      const emit = async (event: RecordedEvent) => {
        const m = toEventMessage(event);
        await lastValueFrom(
          host.bus.emit(eventsTopic('membership'), jsonBusRecord(m.key, m.value, m.headers)),
          { defaultValue: undefined },
        );
      };

      it('token TTL policies (ADR 012): a new policy shortens the kind it bounds, once; creates are bounded; deletion drops them', async () => {
        const DAY = 24 * 60 * MINUTE;
        const iso = (ms: number) => new Date(ms).toISOString();
        const policiesSet = (organizationId: string, policies: [TokenTtlType, number][]) =>
          membershipEvent({
            type: 'OrganizationTokenTtlPoliciesSet',
            data: {
              organizationId,
              organizationName: 'ttl',
              policies: policies.map(([tokenType, maxTtlMs]) => ({
                tokenType,
                maxTtlMs,
                createdAt: iso(clock.t),
                updatedAt: iso(clock.t),
              })),
            },
          });
        clock.t = T0;
        const org = O('ttl');
        const token = await create(org);
        const audit = await create(org, { kind: 'audit-trails' });
        clock.t = T0 + 2 * DAY;
        const event = policiesSet(org, [['organization', DAY]]);
        await emit(event);
        // Past its new bound (T0 + 1 day): refused from now on; GET shows the new expired-at.
        await eventually(async () => {
          expect(await verify(token.secret)).toBeNull();
        });
        expect((await get(org)).expiredAt).toBe(iso(T0 + DAY));
        expect(await verify(audit.secret)).toMatchObject({ expiresAt: null });
        const stream = await host.store.readStream(`organization-token-organization-${org}`);
        expect(stream.map((e) => e.type)).toEqual([
          'OrganizationTokenCreated',
          'OrganizationTokenExpiryShortened',
        ]);
        expect(stream[1]!.metadata).toMatchObject({ causationId: event.id, correlationId: 'c-membership' });
        const head = await host.store.headPosition();
        await emit(event);
        await new Promise((r) => setTimeout(r, 300));
        expect(await host.store.headPosition()).toBe(head);

        // Regenerated under the policy: none → createdAt + max; beyond → refused, the current token kept.
        const bounded = await create(org);
        expect(bounded.token.expiredAt).toBe(iso(T0 + 3 * DAY));
        expect(await failure(create(org, { expiredAt: iso(T0 + 4 * DAY) }))).toMatchObject({
          code: 'TOKEN.EXPIRY_BEYOND_MAX_TTL',
        });
        expect((await get(org)).id).toBe(bounded.token.id);
        expect(
          (await create(org, { kind: 'audit-trails', expiredAt: iso(T0 + 90 * DAY) })).token.expiredAt,
        ).toBe(iso(T0 + 90 * DAY));

        // The organization deleted: its policies are dropped with it.
        await emit(
          membershipEvent({
            type: 'OrganizationDeleted',
            data: { organizationId: org, organizationName: 'ttl' },
          }),
        );
        await eventually(async () => {
          const recorded = await host.store.readStream(`token-ttl-policies-${org}`);
          expect(recorded.map((e) => e.type)).toEqual([
            'TokenTtlPoliciesRecorded',
            'TokenTtlPoliciesForgotten',
          ]);
        });
        clock.t = T0;
      });

      it('OrganizationDeleted revokes every token of the organization, once; no token can be created afterwards', async () => {
        clock.t = T0;
        const org = O('deleted');
        const organization = await create(org);
        const audit = await create(org, { kind: 'audit-trails' });
        const bystander = await create(O('bystander'));
        const deleted = membershipEvent({
          type: 'OrganizationDeleted',
          data: { organizationId: org, organizationName: `${org}-name` },
        });
        await emit(deleted);
        await eventually(async () => {
          expect(await verify(organization.secret)).toBeNull();
          expect(await verify(audit.secret)).toBeNull();
        });
        expect(await verify(bystander.secret)).not.toBeNull();
        expect(await failure(get(org))).toMatchObject({ code: 'TOKEN.NOT_FOUND' });
        const stream = await host.store.readStream(`organization-token-organization-${org}`);
        expect(stream.map((e) => e.type)).toEqual([
          'OrganizationTokenCreated',
          'OrganizationTokenRevoked',
          'OrganizationTokensClosed',
        ]);
        expect(stream[1]!.data).toMatchObject({ reason: 'organization-deleted' });
        expect(stream[1]!.metadata).toMatchObject({
          causationId: deleted.id,
          correlationId: 'c-membership',
          actor: { kind: 'system', id: 'token' },
        });

        // A redelivery changes nothing; a create racing with the deletion is refused.
        const head = await host.store.headPosition();
        await emit(deleted);
        await new Promise((r) => setTimeout(r, 300));
        expect(await host.store.headPosition()).toBe(head);
        expect(await failure(create(org))).toMatchObject({ code: 'TOKEN.ORGANIZATION_NOT_FOUND' });
        // Even a second, distinct OrganizationDeleted (another event id) appends nothing: the streams are closed.
        await emit(
          membershipEvent({
            type: 'OrganizationDeleted',
            data: { organizationId: org, organizationName: 'x' },
          }),
        );
        await new Promise((r) => setTimeout(r, 300));
        expect(await host.store.headPosition()).toBe(head);
      });

      it('a rename (OrganizationUpdated with previousName) follows the live token; other updates are ignored', async () => {
        clock.t = T0;
        const org = O('renamed');
        const { secret } = await create(org);
        await emit(
          membershipEvent({
            type: 'OrganizationUpdated',
            data: {
              organizationId: org,
              organizationName: `${org}-new`,
              previousName: `${org}-name`,
              changed: ['name'],
              collaboratorAuthPolicy: 'password',
            },
          }),
        );
        await eventually(async () =>
          expect(await verify(secret)).toMatchObject({ organizationName: `${org}-new` }),
        );
        expect((await get(org)).organizationName).toBe(`${org}-new`);
        const head = await host.store.headPosition();
        await emit(
          membershipEvent({
            type: 'OrganizationUpdated',
            data: {
              organizationId: org,
              organizationName: `${org}-new`,
              changed: ['email'],
              collaboratorAuthPolicy: 'password',
            },
          }),
        );
        await new Promise((r) => setTimeout(r, 300));
        expect(await host.store.headPosition()).toBe(head);
      });
    });

    it('never stores a secret: events hold only its SHA-256', async () => {
      const all = await host.store.readAll(0n, 10_000);
      const json = JSON.stringify(all, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
      expect(issued.length).toBeGreaterThan(8);
      for (const secret of issued) {
        expect(json).not.toContain(secret);
        expect(json).toContain(sha256Hex(secret));
      }
    });
  });

jest.setTimeout(120_000);

describeOrganizationTokens(
  'organization API tokens, embedded configuration (PGlite, in-process bus, memory)',
  async () => ({ EVENT_STORE_URL: 'pglite://memory' }),
);

describeWithInfra(
  ['postgres', 'kafka', 'mongo'],
  'organization API tokens, distributed configuration',
  (infra) => {
    let deployment: DistributedTestEnv | undefined;
    describeOrganizationTokens(
      'PostgreSQL, Kafka, MongoDB',
      async () => (deployment = await distributedTestEnv(infra(), 'token')).env,
      async () => deployment?.cleanup(),
    );
  },
);
