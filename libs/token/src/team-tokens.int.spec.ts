import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom } from 'rxjs';
import {
  type CreateTeamTokenResult,
  type DeleteTeamTokensResult,
  eventsTopic,
  type ListTeamTokensResult,
  TEAM_TOKEN,
  type TeamTokenView,
  TOKEN,
  type TokenTtlType,
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
import { useTokenTestHost } from './testing/token-test-host';
import { membershipEventRecorder } from './testing/membership-events';

const MINUTE = 60_000;
const T0 = Date.parse('2026-11-26T10:00:00.000Z');
const MANAGER = { actor: { kind: 'user', id: 'user-manager' } };

/** Team API tokens through the real host and bus: requests over the bus, membership events on its topic. */
const describeTeamTokens = (
  name: string,
  env: () => Promise<Record<string, string>>,
  cleanup: () => Promise<void> = async () => {},
) =>
  describe(name, () => {
    const clock = { t: T0, now: () => new Date(clock.t) };
    const run = uniqueName('run').replace(/[^A-Za-z0-9_-]/g, '');
    const T = (name: string) => `team-${name}-${run}`;
    const O = (name: string) => `org-${name}-${run}`;
    const issued: string[] = [];
    const { host, send } = useTokenTestHost(env, cleanup, clock);
    const create = async (
      teamId: string,
      description: string | null,
      extra: Record<string, unknown> = {},
    ): Promise<CreateTeamTokenResult> => {
      const result = await send<CreateTeamTokenResult>(TEAM_TOKEN.createTeamToken, {
        teamId,
        organizationId: O('acme'),
        description,
        meta: MANAGER,
        ...extra,
      });
      issued.push(result.secret);
      return result;
    };
    const verify = (token: string) => send<VerifyResult>(TOKEN.verifyCredential, { token });
    const get = (tokenId: string) => send<TeamTokenView>(TEAM_TOKEN.getTeamToken, { tokenId });
    const getLegacy = (teamId: string) => send<TeamTokenView>(TEAM_TOKEN.getLegacyTeamToken, { teamId });
    const del = (...tokenIds: string[]) =>
      send<DeleteTeamTokensResult>(TEAM_TOKEN.deleteTeamTokens, { tokenIds });
    const delLegacy = (teamId: string) =>
      send<DeleteTeamTokensResult>(TEAM_TOKEN.deleteLegacyTeamToken, { teamId });
    const list = (organizationId: string, teamIds?: string[]) =>
      send<ListTeamTokensResult>(TEAM_TOKEN.listTeamTokens, {
        organizationId,
        ...(teamIds ? { teamIds } : {}),
      });
    const failure = (p: Promise<unknown>) =>
      p.then(
        () => {
          throw new Error('expected an error reply');
        },
        (err: unknown) => err,
      );

    it('create → verify (acts as the team) → get (no secret) → list → delete → a second delete is TOKEN.NOT_FOUND', async () => {
      clock.t = T0;
      const team = T('dev');
      const ci = await create(team, 'ci', {
        expiredAt: '2027-01-01T00:00:00Z',
        meta: { ...MANAGER, correlationId: 'c-1' },
      });
      expect(ci.secret).toMatch(/^[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_-]{67}$/);
      expect(ci.token).toEqual({
        id: expect.stringMatching(/^at-[1-9A-HJ-NP-Za-km-z]{16}$/),
        teamId: team,
        organizationId: O('acme'),
        description: 'ci',
        createdAt: '2026-11-26T10:00:00.000Z',
        lastUsedAt: null,
        expiredAt: '2027-01-01T00:00:00.000Z',
        createdBy: { type: 'users', id: 'user-manager' },
      });

      clock.t = T0 + MINUTE;
      expect(await verify(ci.secret)).toEqual({
        kind: 'team-token',
        tokenId: ci.token.id,
        teamId: team,
        organizationId: O('acme'),
        expiresAt: '2027-01-01T00:00:00.000Z',
      });
      const read = await get(ci.token.id);
      expect(read).toEqual({ ...ci.token, lastUsedAt: '2026-11-26T10:01:00.000Z' });
      expect(JSON.stringify(read)).not.toContain(ci.secret);

      // Created by the organization token and by a team token: `created-by` follows the actor.
      clock.t = T0 + 2 * MINUTE;
      const byOrg = await create(team, 'by-org', {
        meta: { actor: { kind: 'organization', id: O('acme') } },
      });
      clock.t = T0 + 3 * MINUTE;
      const byTeam = await create(team, 'by-team', { meta: { actor: { kind: 'team', id: team } } });
      expect(byOrg.token.createdBy).toEqual({ type: 'organizations', id: O('acme') });
      expect(byTeam.token.createdBy).toEqual({ type: 'teams', id: team });
      expect(
        await failure(create(team, 'anonymous', { meta: { actor: { kind: 'anonymous', id: 'x' } } })),
      ).toMatchObject({ code: 'TOKEN.INVALID_REQUEST' });

      const listed = await list(O('acme'), [team]);
      expect(listed.tokens.map((t) => t.description)).toEqual(['ci', 'by-org', 'by-team']);
      expect(JSON.stringify(listed)).not.toContain(ci.secret);

      expect(await del(ci.token.id)).toEqual({ revoked: true, tokenIds: [ci.token.id] });
      expect(await verify(ci.secret)).toBeNull();
      expect(await failure(get(ci.token.id))).toMatchObject({ code: 'TOKEN.NOT_FOUND' });
      expect(await failure(del(ci.token.id))).toMatchObject({ code: 'TOKEN.NOT_FOUND' });
      // Bulk: one unknown id and nothing is revoked.
      expect(await failure(del(byOrg.token.id, 'at-unknown'))).toMatchObject({ code: 'TOKEN.NOT_FOUND' });
      expect(await verify(byOrg.secret)).not.toBeNull();
      expect((await del(byOrg.token.id, byTeam.token.id)).tokenIds.sort()).toEqual(
        [byOrg.token.id, byTeam.token.id].sort(),
      );
      expect(await verify(byTeam.secret)).toBeNull();
      expect((await list(O('acme'), [team])).tokens).toEqual([]);

      const stored = await host.store.readStream(`team-tokens-${team}`);
      expect(stored[0]!.data).toMatchObject({ tokenHash: sha256Hex(ci.secret) });
      expect(stored[0]!.metadata).toMatchObject({ correlationId: 'c-1' });
    });

    it('a description is unique within the team (TOKEN.DESCRIPTION_TAKEN), not across teams; blank is refused', async () => {
      await create(T('uniq'), 'deploy');
      expect(await failure(create(T('uniq'), 'deploy'))).toMatchObject({
        code: 'TOKEN.DESCRIPTION_TAKEN',
        message: 'Validation failed: Description has already been taken',
      });
      expect((await create(T('uniq-2'), 'deploy')).token.description).toBe('deploy');
      expect(await failure(create(T('uniq'), '   '))).toMatchObject({ code: 'TOKEN.INVALID_REQUEST' });
    });

    it('the legacy token: regenerate replaces it in one append; get/delete; a second delete is TOKEN.NOT_FOUND', async () => {
      const team = T('legacy');
      expect(await failure(getLegacy(team))).toMatchObject({ code: 'TOKEN.NOT_FOUND' });
      const described = await create(team, 'keep');
      const first = await create(team, null);
      expect(first.replacedTokenId).toBeNull();
      const second = await create(team, null);
      expect(second.replacedTokenId).toBe(first.token.id);
      expect(await verify(first.secret)).toBeNull();
      expect(await verify(second.secret)).toMatchObject({ kind: 'team-token', tokenId: second.token.id });
      expect(await verify(described.secret)).not.toBeNull();
      expect(await getLegacy(team)).toMatchObject({ id: second.token.id, description: null });
      const stored = await host.store.readStream(`team-tokens-${team}`);
      const types = stored.map((e) => e.type);
      expect(types).toEqual(['TeamTokenCreated', 'TeamTokenCreated', 'TeamTokenRevoked', 'TeamTokenCreated']);
      // Revocation of the old and creation of the new are one decision (consecutive positions).
      expect(stored[3]!.position - stored[2]!.position).toBe(1n);
      expect(await delLegacy(team)).toEqual({ revoked: true, tokenIds: [second.token.id] });
      expect(await verify(second.secret)).toBeNull();
      expect(await failure(delLegacy(team))).toMatchObject({ code: 'TOKEN.NOT_FOUND' });
      expect(await verify(described.secret)).not.toBeNull();
    });

    it('expires at expired-at exactly (controlled clock); expired tokens stay listed', async () => {
      clock.t = T0;
      const team = T('expiry');
      const t = await create(team, 'short', { expiredAt: '2026-11-26T11:00:00.000Z' });
      clock.t = Date.parse('2026-11-26T10:59:59.999Z');
      expect(await verify(t.secret)).toMatchObject({ tokenId: t.token.id });
      clock.t = Date.parse('2026-11-26T11:00:00.000Z');
      expect(await verify(t.secret)).toBeNull();
      expect((await list(O('acme'), [team])).tokens.map((x) => x.id)).toEqual([t.token.id]);
      expect(await failure(create(team, 'past', { expiredAt: '2026-11-26T11:00:00.000Z' }))).toMatchObject({
        code: 'TOKEN.INVALID_EXPIRY',
      });
      clock.t = T0;
    });

    it('an idempotent create: the same requestId again is TOKEN.ALREADY_EXISTS', async () => {
      const first = await create(T('idem'), 'once', { requestId: 'r-1' });
      expect(await failure(create(T('idem'), 'once', { requestId: 'r-1' }))).toMatchObject({
        code: 'TOKEN.ALREADY_EXISTS',
      });
      expect(await verify(first.secret)).not.toBeNull();
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

      it('TeamDeleted revokes every token of the team, once (redelivery appends nothing); no token can be created afterwards', async () => {
        const team = T('doomed');
        const a = await create(team, 'a');
        const legacy = await create(team, null);
        const bystander = await create(T('bystander'), 'a');
        const deleted = membershipEvent({
          type: 'TeamDeleted',
          data: { organizationId: O('acme'), teamId: team, name: 'doomed' },
        });
        await emit(deleted);
        await eventually(async () => {
          expect(await verify(a.secret)).toBeNull();
          expect(await verify(legacy.secret)).toBeNull();
        });
        expect(await verify(bystander.secret)).not.toBeNull();
        const stream = await host.store.readStream(`team-tokens-${team}`);
        expect(stream.map((e) => e.type)).toEqual([
          'TeamTokenCreated',
          'TeamTokenCreated',
          'TeamTokenRevoked',
          'TeamTokenRevoked',
          'TeamTokensClosed',
        ]);
        expect(stream[2]!.data).toMatchObject({ reason: 'team-deleted' });
        expect(stream[2]!.metadata).toMatchObject({
          causationId: deleted.id,
          correlationId: 'c-membership',
          actor: { kind: 'system', id: 'token' },
        });
        const head = await host.store.headPosition();
        await emit(deleted);
        await new Promise((r) => setTimeout(r, 300));
        expect(await host.store.headPosition()).toBe(head);
        expect(await failure(create(team, 'late'))).toMatchObject({ code: 'TOKEN.TEAM_NOT_FOUND' });
      });

      it('OrganizationDeleted revokes the tokens of every team of the organization', async () => {
        const org = O('gone');
        const x = await create(T('gone-x'), 'x', { organizationId: org });
        const y = await create(T('gone-y'), null, { organizationId: org });
        const other = await create(T('stays'), 'x');
        await emit(
          membershipEvent({
            type: 'OrganizationDeleted',
            data: { organizationId: org, organizationName: 'gone' },
          }),
        );
        await eventually(async () => {
          expect(await verify(x.secret)).toBeNull();
          expect(await verify(y.secret)).toBeNull();
        });
        expect(await verify(other.secret)).not.toBeNull();
        expect((await list(org)).tokens).toEqual([]);
        expect(await failure(create(T('gone-x'), 'again', { organizationId: org }))).toMatchObject({
          code: 'TOKEN.TEAM_NOT_FOUND',
        });
      });
    });

    describe('token TTL policies (TFC-API §5.4, ADR 012)', () => {
      let revision = 1_000;
      const policiesSet = (organizationId: string, policies: [TokenTtlType, number][]): RecordedEvent => ({
        id: uuidv7(),
        type: 'OrganizationTokenTtlPoliciesSet',
        schemaVersion: 1,
        stream: `organization-${organizationId}`,
        revision: revision++,
        position: BigInt(revision),
        occurredAt: new Date(clock.t),
        data: {
          organizationId,
          organizationName: 'ttl',
          policies: policies.map(([tokenType, maxTtlMs]) => ({
            tokenType,
            maxTtlMs,
            createdAt: new Date(clock.t).toISOString(),
            updatedAt: new Date(clock.t).toISOString(),
          })),
        },
        metadata: { correlationId: 'c-ttl' },
      });
      const emit = async (event: RecordedEvent) => {
        const m = toEventMessage(event);
        await lastValueFrom(
          host.bus.emit(eventsTopic('membership'), jsonBusRecord(m.key, m.value, m.headers)),
          { defaultValue: undefined },
        );
      };
      const HOUR = 60 * MINUTE;
      const DAY = 24 * HOUR;
      const iso = (ms: number) => new Date(ms).toISOString();

      it('a new policy shortens the over-long live tokens of its organization (one already past stops verifying), once; later creates are bounded', async () => {
        clock.t = T0;
        const org = O('ttl');
        const forever = await create(T('ttl-a'), 'forever', { organizationId: org });
        const long = await create(T('ttl-b'), null, { organizationId: org, expiredAt: iso(T0 + 300 * DAY) });
        const short = await create(T('ttl-a'), 'short', { organizationId: org, expiredAt: iso(T0 + HOUR) });
        const elsewhere = await create(T('ttl-other'), 'forever', { organizationId: O('ttl-other') });
        clock.t = T0 + 10 * DAY;
        const event = policiesSet(org, [['team', 30 * DAY]]);
        await emit(event);
        await eventually(async () => {
          expect(await verify(long.secret)).toMatchObject({ expiresAt: iso(T0 + 30 * DAY) });
        });
        expect(await verify(forever.secret)).toMatchObject({ expiresAt: iso(T0 + 30 * DAY) });
        expect((await get(short.token.id)).expiredAt).toBe(iso(T0 + HOUR));
        expect(await verify(elsewhere.secret)).toMatchObject({ expiresAt: null });
        const stream = await host.store.readStream(`team-tokens-${T('ttl-a')}`);
        const shortened = stream.filter((e) => e.type === 'TeamTokenExpiryShortened');
        expect(shortened.map((e) => e.data)).toEqual([
          {
            tokenId: forever.token.id,
            teamId: T('ttl-a'),
            organizationId: org,
            expiredAt: iso(T0 + 30 * DAY),
            maxTtlMs: 30 * DAY,
            reason: 'ttl-policy',
          },
        ]);
        expect(shortened[0]!.metadata).toMatchObject({ causationId: event.id, correlationId: 'c-ttl' });

        // Redelivered: appends nothing.
        const head = await host.store.headPosition();
        await emit(event);
        await new Promise((r) => setTimeout(r, 300));
        expect(await host.store.headPosition()).toBe(head);

        // Creation is bounded now: none → createdAt + max; beyond → refused, nothing stored; within → as given.
        const bounded = await create(T('ttl-a'), 'bounded', { organizationId: org });
        expect(bounded.token.expiredAt).toBe(iso(T0 + 40 * DAY));
        expect(
          await failure(create(T('ttl-a'), 'beyond', { organizationId: org, expiredAt: iso(T0 + 41 * DAY) })),
        ).toMatchObject({ code: 'TOKEN.EXPIRY_BEYOND_MAX_TTL', message: expect.stringContaining('30 days') });
        expect((await list(org, [T('ttl-a')])).tokens.map((t) => t.description).sort()).toEqual([
          'bounded',
          'forever',
          'short',
        ]);
        const within = await create(T('ttl-a'), 'within', {
          organizationId: org,
          expiredAt: iso(T0 + 11 * DAY),
        });
        expect(within.token.expiredAt).toBe(iso(T0 + 11 * DAY));

        // A tighter policy: the shortened token is past its new bound and stops verifying; a looser one lengthens
        // nothing.
        await emit(policiesSet(org, [['team', 5 * DAY]]));
        await eventually(async () => {
          expect(await verify(forever.secret)).toBeNull();
        });
        expect((await get(forever.token.id)).expiredAt).toBe(iso(T0 + 5 * DAY));
        expect(await verify(long.secret)).toBeNull();
        expect(await verify(bounded.secret)).toMatchObject({ expiresAt: iso(T0 + 15 * DAY) });
        expect(await verify(within.secret)).toMatchObject({ expiresAt: iso(T0 + 11 * DAY) });
        await emit(policiesSet(org, [['team', 300 * DAY]]));
        await eventually(async () => {
          const recorded = await host.store.readStream(`token-ttl-policies-${org}`);
          expect(recorded).toHaveLength(3);
        });
        expect((await get(forever.token.id)).expiredAt).toBe(iso(T0 + 5 * DAY));
        clock.t = T0;
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

describeTeamTokens(
  'team API tokens, embedded configuration, in memory (PGlite in memory, in-process bus, memory read models)',
  async () => ({ EVENT_STORE_URL: 'pglite://memory' }),
);

let pgliteDir: string | undefined;
describeTeamTokens(
  'team API tokens, embedded configuration, PGlite on disk',
  async () => ({ EVENT_STORE_URL: `pglite://${(pgliteDir = mkdtempSync(join(tmpdir(), 'team-tokens-')))}` }),
  async () => {
    if (pgliteDir) rmSync(pgliteDir, { recursive: true, force: true });
  },
);

describeWithInfra(['postgres', 'kafka', 'mongo'], 'team API tokens, distributed configuration', (infra) => {
  let deployment: DistributedTestEnv | undefined;
  describeTeamTokens(
    'PostgreSQL, Kafka, MongoDB',
    async () => (deployment = await distributedTestEnv(infra(), 'token')).env,
    async () => deployment?.cleanup(),
  );
});
