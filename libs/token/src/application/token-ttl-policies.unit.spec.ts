import type { TokenTtlType } from '@idp/contracts';
import {
  InMemoryCheckpointStore,
  InMemoryEventStore,
  InMemoryParkedEventStore,
  InMemoryProcessedEventStore,
  InMemoryReadStoreFactory,
  ProcessedEvents,
  type Projection,
  ProjectionRunner,
  type ReadModels,
  uuidv7,
} from '@idp/eventing';
import { newApiTokenSecret, newUserTokenId } from './credentials';
import { MembershipReactions, tokenTtlPoliciesChange } from './membership-reactions';
import { OrganizationTokenService } from './organization-token.service';
import { organizationTokensModel, organizationTokensProjection } from './organization-tokens.projection';
import { TeamTokenService } from './team-token.service';
import { teamTokensModel, teamTokensProjection } from './team-tokens.projection';
import { TokenTtlPolicies, tokenTtlPoliciesModel, tokenTtlPoliciesProjection } from './token-ttl-policies';
import {
  organizationTokenActivityModel,
  teamTokenActivityModel,
  UserTokenActivity,
} from './user-token-activity';
import { membershipEventRecorder } from '../testing/membership-events';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-11-26T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const MANAGER = { actor: { kind: 'user' as const, id: 'user-manager' } };

/** The token service's team/organization token use cases and membership reactions, on in-memory stores. */
const setup = async () => {
  const clock = { t: T0, now: () => new Date(clock.t) };
  const events = new InMemoryEventStore();
  const readStores = new InMemoryReadStoreFactory();
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const runnerOf = <M extends ReadModels>(projection: Projection<M>) =>
    new ProjectionRunner(projection, {
      events,
      readStores,
      checkpoints: new InMemoryCheckpointStore(),
      parked: new InMemoryParkedEventStore(),
      logger: silent,
      clock,
    });
  const ttlPolicies = new TokenTtlPolicies({
    events,
    runner: runnerOf(tokenTtlPoliciesProjection),
    policies: await readStores.open(tokenTtlPoliciesModel),
  });
  const activity = async (model: typeof teamTokenActivityModel) =>
    new UserTokenActivity(await readStores.open(model), { touchIntervalMs: 60_000 });
  const teamTokens = new TeamTokenService({
    events,
    runner: runnerOf(teamTokensProjection),
    tokens: await readStores.open(teamTokensModel),
    activity: await activity(teamTokenActivityModel),
    clock,
    newTokenId: newUserTokenId,
    newSecret: newApiTokenSecret,
    ttlPolicies,
  });
  const organizationTokens = new OrganizationTokenService({
    events,
    runner: runnerOf(organizationTokensProjection),
    tokens: await readStores.open(organizationTokensModel),
    activity: await activity(organizationTokenActivityModel),
    clock,
    newTokenId: newUserTokenId,
    newSecret: newApiTokenSecret,
    ttlPolicies,
  });
  const reactions = new MembershipReactions(
    organizationTokens,
    new ProcessedEvents(new InMemoryProcessedEventStore(), { consumer: 'token.membership-events', clock }),
    teamTokens,
    ttlPolicies,
  );
  const membershipEvent = membershipEventRecorder(() => clock.t);
  const policiesSet = (organizationId: string, policies: [TokenTtlType, number][]) =>
    membershipEvent({
      type: 'OrganizationTokenTtlPoliciesSet',
      data: {
        organizationId,
        organizationName: organizationId,
        policies: policies.map(([tokenType, maxTtlMs]) => ({
          tokenType,
          maxTtlMs,
          createdAt: iso(clock.t),
          updatedAt: iso(clock.t),
        })),
      },
    });
  const teamToken = (teamId: string, expiredAt: string | null, organizationId = 'org-1') =>
    teamTokens.create({
      teamId,
      organizationId,
      description: `d-${uuidv7()}`,
      expiredAt,
      meta: MANAGER,
    });
  const orgToken = (
    kind: 'organization' | 'audit-trails',
    expiredAt: string | null,
    organizationId = 'org-1',
  ) =>
    organizationTokens.create({
      organizationId,
      organizationName: organizationId,
      kind,
      expiredAt,
      meta: MANAGER,
    });
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => {
        throw new Error('expected an error');
      },
      (err: unknown) => err,
    );
  return {
    clock,
    events,
    teamTokens,
    organizationTokens,
    reactions,
    ttlPolicies,
    membershipEvent,
    policiesSet,
    teamToken,
    orgToken,
    failure,
  };
};

describe('token TTL policies in the token service (TFC-API §5.4, ADR 012)', () => {
  it('reads OrganizationTokenTtlPoliciesSet, keeping well-formed entries only', () => {
    expect(
      tokenTtlPoliciesChange({
        type: 'OrganizationTokenTtlPoliciesSet',
        data: {
          organizationId: 'org-1',
          policies: [
            { tokenType: 'team', maxTtlMs: DAY, createdAt: 'x', updatedAt: 'x' },
            { tokenType: 'nope', maxTtlMs: DAY },
            { tokenType: 'user', maxTtlMs: -1 },
          ],
        },
      }),
    ).toEqual({
      change: 'ttl-policies',
      organizationId: 'org-1',
      policies: [{ tokenType: 'team', maxTtlMs: DAY }],
    });
    expect(
      tokenTtlPoliciesChange({ type: 'OrganizationDeleted', data: { organizationId: 'o' } }),
    ).toBeUndefined();
  });

  describe('creation bounds', () => {
    it('team tokens (described and legacy): no expiry → createdAt + max; within → as given; beyond → refused, nothing stored', async () => {
      const s = await setup();
      await s.reactions.handle(s.policiesSet('org-1', [['team', 30 * DAY]]));
      expect(await s.ttlPolicies.maxTtlMs('org-1', 'team')).toBe(30 * DAY);

      const none = await s.teamToken('team-1', null);
      expect(none.token.expiredAt).toBe(iso(T0 + 30 * DAY));
      expect((await s.teamTokens.verify(none.secret))?.expiresAt).toBe(iso(T0 + 30 * DAY));
      const legacy = await s.teamTokens.create({
        teamId: 'team-1',
        organizationId: 'org-1',
        description: null,
        meta: MANAGER,
      });
      expect(legacy.token.expiredAt).toBe(iso(T0 + 30 * DAY));
      const within = await s.teamToken('team-1', iso(T0 + 30 * DAY));
      expect(within.token.expiredAt).toBe(iso(T0 + 30 * DAY));

      const head = await s.events.headPosition();
      expect(await s.failure(s.teamToken('team-1', iso(T0 + 30 * DAY + 1)))).toMatchObject({
        code: 'TOKEN.EXPIRY_BEYOND_MAX_TTL',
        message: expect.stringContaining('30 days'),
      });
      expect(
        await s.failure(
          s.teamTokens.create({
            teamId: 'team-1',
            organizationId: 'org-1',
            description: null,
            expiredAt: iso(T0 + 31 * DAY),
            meta: MANAGER,
          }),
        ),
      ).toMatchObject({ code: 'TOKEN.EXPIRY_BEYOND_MAX_TTL' });
      expect(await s.events.headPosition()).toBe(head);
      expect((await s.teamTokens.getLegacy('team-1')).id).toBe(legacy.token.id);
    });

    it('organization tokens: `organization` and `audit_trails` policies bound their kind only', async () => {
      const s = await setup();
      await s.reactions.handle(s.policiesSet('org-1', [['organization', 7 * DAY]]));
      expect((await s.orgToken('organization', null)).token.expiredAt).toBe(iso(T0 + 7 * DAY));
      expect((await s.orgToken('audit-trails', null)).token.expiredAt).toBeNull();
      expect(await s.failure(s.orgToken('organization', iso(T0 + 8 * DAY)))).toMatchObject({
        code: 'TOKEN.EXPIRY_BEYOND_MAX_TTL',
      });
      await s.reactions.handle(
        s.policiesSet('org-1', [
          ['organization', 7 * DAY],
          ['audit_trails', DAY],
        ]),
      );
      expect(await s.failure(s.orgToken('audit-trails', iso(T0 + 2 * DAY)))).toMatchObject({
        code: 'TOKEN.EXPIRY_BEYOND_MAX_TTL',
      });
      expect((await s.orgToken('audit-trails', iso(T0 + HOUR))).token.expiredAt).toBe(iso(T0 + HOUR));
    });

    it('a policy for another type or another organization has no effect', async () => {
      const s = await setup();
      await s.reactions.handle(
        s.policiesSet('org-1', [
          ['user', HOUR],
          ['metrics', HOUR],
          ['organization', HOUR],
        ]),
      );
      await s.reactions.handle(s.policiesSet('org-2', [['team', HOUR]]));
      expect((await s.teamToken('team-1', null)).token.expiredAt).toBeNull();
      expect((await s.teamToken('team-1', iso(T0 + 400 * DAY))).token.expiredAt).toBe(iso(T0 + 400 * DAY));
      expect((await s.orgToken('organization', null, 'org-2')).token.expiredAt).toBeNull();
    });

    it('an organization deleted drops its policies', async () => {
      const s = await setup();
      await s.reactions.handle(s.policiesSet('org-1', [['team', HOUR]]));
      await s.reactions.handle(
        s.membershipEvent({
          type: 'OrganizationDeleted',
          data: { organizationId: 'org-1', organizationName: 'o' },
        }),
      );
      expect(await s.ttlPolicies.of('org-1')).toEqual([]);
      const stream = await s.events.readStream('token-ttl-policies-org-1');
      expect(stream.map((e) => e.type)).toEqual(['TokenTtlPoliciesRecorded', 'TokenTtlPoliciesForgotten']);
    });
  });

  describe('shortening on a new policy', () => {
    it('shortens live team and organization tokens living longer than the maximum; one already past stops verifying', async () => {
      const s = await setup();
      const forever = await s.teamToken('team-1', null);
      const long = await s.teamToken('team-2', iso(T0 + 365 * DAY));
      const short = await s.teamToken('team-1', iso(T0 + HOUR));
      const otherOrg = await s.teamToken('team-9', null, 'org-2');
      const org = await s.orgToken('organization', null);
      const audit = await s.orgToken('audit-trails', null);
      s.clock.t = T0 + 3 * HOUR;

      const event = s.policiesSet('org-1', [
        ['team', 2 * HOUR],
        ['organization', 10 * DAY],
      ]);
      expect(await s.reactions.handle(event)).toBe(true);

      // Past its new bound: refused from now on; the list shows the new expired-at.
      expect(await s.teamTokens.verify(forever.secret)).toBeNull();
      expect((await s.teamTokens.get(forever.token.id)).expiredAt).toBe(iso(T0 + 2 * HOUR));
      expect(await s.teamTokens.verify(long.secret)).toBeNull();
      // Within the maximum, another organization's, a type without policy: untouched.
      expect((await s.teamTokens.get(short.token.id)).expiredAt).toBe(iso(T0 + HOUR));
      expect((await s.teamTokens.verify(otherOrg.secret))?.expiresAt).toBeNull();
      expect((await s.organizationTokens.verify(org.secret))?.expiresAt).toBe(iso(T0 + 10 * DAY));
      expect((await s.organizationTokens.verify(audit.secret))?.expiresAt).toBeNull();

      const stream = await s.events.readStream('team-tokens-team-1');
      const shortened = stream.filter((e) => e.type === 'TeamTokenExpiryShortened');
      expect(shortened).toHaveLength(1);
      expect(shortened[0]!.data).toEqual({
        tokenId: forever.token.id,
        teamId: 'team-1',
        organizationId: 'org-1',
        expiredAt: iso(T0 + 2 * HOUR),
        maxTtlMs: 2 * HOUR,
        reason: 'ttl-policy',
      });
      expect(shortened[0]!.metadata).toMatchObject({
        causationId: event.id,
        correlationId: 'c-membership',
        actor: { kind: 'system', id: 'token' },
      });

      // Redelivered: nothing again. A looser policy: nothing lengthened.
      const head = await s.events.headPosition();
      expect(await s.reactions.handle(event)).toBe(false);
      await s.reactions.handle(s.policiesSet('org-1', [['team', 30 * DAY]]));
      const afterLoose = await s.events.readAll(head, 100);
      expect(afterLoose.map((e) => e.type)).toEqual(['TokenTtlPoliciesRecorded']);
      expect((await s.teamTokens.get(forever.token.id)).expiredAt).toBe(iso(T0 + 2 * HOUR));
    });

    it('a retried event (after a failure half-way) shortens nothing twice', async () => {
      const s = await setup();
      const t = await s.teamToken('team-1', null);
      const event = s.policiesSet('org-1', [['team', DAY]]);
      // The shortening itself, applied twice as a retry would (ProcessedEvents released its claim).
      await s.teamTokens.shortenOrganization('org-1', DAY, {});
      await s.reactions.handle(event);
      const stream = await s.events.readStream('team-tokens-team-1');
      expect(stream.filter((e) => e.type === 'TeamTokenExpiryShortened')).toHaveLength(1);
      expect((await s.teamTokens.get(t.token.id)).expiredAt).toBe(iso(T0 + DAY));
    });

    it('a create that read the old policy is shortened by its own re-read when the new one landed meanwhile', async () => {
      const s = await setup();
      // Simulates the race: the policy is recorded (not yet swept) between the create's read and its append.
      const original = s.ttlPolicies.maxTtlMs.bind(s.ttlPolicies);
      let first = true;
      s.ttlPolicies.maxTtlMs = async (organizationId, type) => {
        if (!first) return original(organizationId, type);
        first = false;
        const before = await original(organizationId, type);
        await s.ttlPolicies.record(
          'org-1',
          [{ tokenType: 'team', maxTtlMs: DAY }],
          s.policiesSet('org-1', []),
          {},
        );
        return before;
      };
      const t = await s.teamToken('team-1', null);
      expect(t.token.expiredAt).toBe(iso(T0 + DAY));
      expect((await s.teamTokens.get(t.token.id)).expiredAt).toBe(iso(T0 + DAY));
    });
  });
});
