import { Logger } from '@nestjs/common';
import { MEMBERSHIP_SEAL_CONTEXT, type MembershipIntegrationEvent, type RequestMeta } from '@idp/contracts';
import { type RecordedEvent, type ServiceInfrastructure, sha256Hex } from '@idp/eventing';
import { createPostgresDatabase, describeWithInfra, uniqueName } from '@idp/testing';
import { directoryProjection } from './application/directory.projection';
import { publicMembershipEvent } from './application/membership-relay.selector';
import type { MembershipService } from './application/membership.service';
import {
  anonymous,
  asOrganization,
  asSystem,
  asUser,
  configuredInfrastructure,
  failure,
  inMemoryInfrastructure,
  type MembershipTestHost,
  openMembershipTestHost,
} from './testing/membership-test-host';

jest.setTimeout(180_000);

const DAY = 24 * 60 * 60 * 1000;

/** Every document of the directory's read models, sorted: what "the same documents" means for a replay. */
const snapshot = async (h: MembershipTestHost) => {
  const out: Record<string, unknown[]> = {};
  for (const [key, model] of Object.entries(directoryProjection.readModels)) {
    const store = await h.infra.readStores.open(model);
    out[key] = await store.find({ sort: [['id', 'asc']] });
  }
  return out;
};

const allEvents = async (h: MembershipTestHost): Promise<RecordedEvent[]> => {
  const out: RecordedEvent[] = [];
  for (let after = 0n; ;) {
    const batch = await h.infra.eventStore.readAll(after, 1000);
    if (!batch.length) return out;
    out.push(...batch);
    after = batch[batch.length - 1]!.position;
  }
};

/**
 * The membership service's use cases through `MembershipService` on a given infrastructure: the same assertions on
 * in-memory adapters and on PostgreSQL + MongoDB (FerretDB).
 */
const describeMembership = (
  name: string,
  open: () => Promise<{ infra: ServiceInfrastructure; close(): Promise<void> }>,
) =>
  describe(name, () => {
    let h: MembershipTestHost;
    let svc: MembershipService;
    const run = uniqueName('m').replace(/_/g, '-');
    const N = (s: string) => `${s}-${run}`;

    beforeAll(async () => {
      const { infra, close } = await open();
      h = await openMembershipTestHost(infra, close);
      svc = h.runtime.service;
    }, 120_000);
    afterAll(async () => h?.close());

    let users = 0;
    /** A user known to identity (registered, e-mail confirmed unless said otherwise). */
    const user = async (label: string, options: { confirmed?: boolean } = {}) => {
      h.clock.advance(1000);
      const username = N(`${label}${++users}`);
      const u = { userId: `user-${username}`, username, email: `${username}@Example.org` };
      await h.deliver(h.identity.registered({ ...u, emailConfirmed: options.confirmed ?? true }));
      return u;
    };
    const createOrg = async (owner: { userId: string }, label = 'acme') => {
      h.clock.advance(1000);
      const result = await svc.createOrganization({
        ...asUser(owner.userId),
        name: N(label),
        email: `billing@${label}.example.org`,
      });
      return result.organization;
    };
    /** Invites, returns the membership id and the clear token (opened from the sealed event, as notification does). */
    const invite = async (by: string, organization: string, email: string, teamIds?: string[]) => {
      h.clock.advance(1000);
      const { membership } = await svc.invite({ ...asUser(by), organization, email, teamIds });
      const stream = await h.infra.eventStore.readStream(`organization-${membership.organizationId}`);
      const event = stream.filter((e) => e.type === 'MemberInvited').at(-1)!;
      const data = event.data as { sealedToken: string; membershipId: string };
      expect(data.membershipId).toBe(membership.id);
      return {
        membership,
        token: h.infra.secretBox.open(data.sealedToken, MEMBERSHIP_SEAL_CONTEXT.invitation),
      };
    };
    const joined = async (owner: { userId: string }, organization: string, teamIds?: string[]) => {
      const member = await user('member');
      const { token } = await invite(owner.userId, organization, member.email, teamIds);
      const { membership } = await svc.acceptInvitation({ ...asUser(member.userId), token });
      return { ...member, membershipId: membership.id };
    };

    describe('organizations', () => {
      it('a user with no organization sees none; creating one makes the creator its first owner', async () => {
        const alice = await user('alice');
        expect(await svc.listOrganizations({ ...asUser(alice.userId) })).toEqual({
          organizations: [],
          total: 0,
        });
        const org = await createOrg(alice);
        expect(org).toMatchObject({
          id: expect.stringMatching(/^org-[1-9A-HJ-NP-Za-km-z]{16}$/),
          name: N('acme'),
          email: 'billing@acme.example.org',
          createdAt: new Date(h.clock.ms).toISOString(),
          ownersTeamId: expect.stringMatching(/^team-/),
          twoFactorConformant: true,
          settings: { collaboratorAuthPolicy: 'password', sessionTimeout: 20160 },
          permissions: { canUpdate: true, canDestroy: true, canCreateTeam: true, canManageUsers: true },
        });
        expect((await svc.listOrganizations({ ...asUser(alice.userId) })).organizations).toEqual([org]);
        const { teams } = await svc.listTeams({ ...asUser(alice.userId), organization: org.name });
        expect(teams).toEqual([
          expect.objectContaining({
            id: org.ownersTeamId,
            name: 'owners',
            isOwners: true,
            userIds: [alice.userId],
          }),
        ]);
        const mine = await svc.listMyMemberships({ ...asUser(alice.userId) });
        expect(mine.memberships).toEqual([
          expect.objectContaining({
            status: 'active',
            userId: alice.userId,
            isOwner: true,
            email: alice.email,
          }),
        ]);
        // Outsiders, anonymous callers and other organizations' tokens see nothing.
        const bob = await user('bob');
        for (const meta of [asUser(bob.userId), anonymous(), asOrganization('org-elsewhere')])
          expect(await failure(svc.getOrganization({ ...meta, organization: org.name }))).toMatchObject({
            code: 'ORGANIZATION.NOT_FOUND',
          });
        expect(
          (await svc.getOrganization({ ...asOrganization(org.id), organization: org.name })).organization,
        ).toMatchObject({ permissions: { canUpdate: false, canUpdateApiToken: true, canManageUsers: true } });
      });

      it('refuses a name taken case-insensitively (422), a bad name, and creation by tokens or anonymous callers', async () => {
        const alice = await user('alice');
        const org = await createOrg(alice, 'taken');
        const carol = await user('carol');
        expect(
          await failure(
            svc.createOrganization({
              ...asUser(carol.userId),
              name: org.name.toUpperCase(),
              email: 'x@example.org',
            }),
          ),
        ).toMatchObject({ code: 'UNIQUENESS.ORGANIZATION_TAKEN' });
        expect(
          await failure(
            svc.createOrganization({ ...asUser(carol.userId), name: 'no spaces', email: 'x@example.org' }),
          ),
        ).toMatchObject({ code: 'ORGANIZATION.INVALID_ATTRIBUTE', details: { attribute: 'name' } });
        expect(
          await failure(
            svc.createOrganization({ ...asUser(carol.userId), name: N('bad-mail'), email: 'nope' }),
          ),
        ).toMatchObject({ code: 'ORGANIZATION.INVALID_ATTRIBUTE', details: { attribute: 'email' } });
        expect(await h.runtime.guard.ownerOf('organization', N('bad-mail'))).toBeUndefined();
        for (const meta of [asOrganization(org.id), anonymous()])
          expect(
            await failure(svc.createOrganization({ ...meta, name: N('by-token'), email: 'x@example.org' })),
          ).toMatchObject({ code: 'MEMBERSHIP.ACTOR_FORBIDDEN' });
        // A user identity has not told us about yet cannot create one either (retryable, 503 at the edge).
        expect(
          await failure(
            svc.createOrganization({ ...asUser('user-unknown'), name: N('ghost'), email: 'x@example.org' }),
          ),
        ).toMatchObject({ code: 'MEMBERSHIP.USER_UNAVAILABLE' });
      });

      it('lists with q / qName / qEmail and pages; renames (the old name is free at once); deletes', async () => {
        const alice = await user('alice');
        const a = await createOrg(alice, 'list-alpha');
        await svc.createOrganization({
          ...asUser(alice.userId),
          name: N('list-beta'),
          email: 'ops@beta.example.org',
        });
        const me = asUser(alice.userId);
        const names = async (q: object) =>
          (await svc.listOrganizations({ ...me, ...q })).organizations.map((o) => o.name);
        expect(await names({})).toEqual([N('list-alpha'), N('list-beta')]);
        expect(await names({ q: 'ALPHA' })).toEqual([N('list-alpha')]);
        expect(await names({ q: 'ops@beta' })).toEqual([N('list-beta')]);
        expect(await names({ qName: 'list-', qEmail: 'billing@' })).toEqual([N('list-alpha')]);
        expect(await svc.listOrganizations({ ...me, page: { number: 2, size: 1 } })).toMatchObject({
          total: 2,
          page: { number: 2, size: 1 },
          organizations: [{ name: N('list-beta') }],
        });

        const renamed = await svc.updateOrganization({
          ...me,
          organization: a.name,
          name: N('list-gamma'),
          settings: { sessionTimeout: 60 },
        });
        expect(renamed.organization).toMatchObject({
          id: a.id,
          name: N('list-gamma'),
          settings: { sessionTimeout: 60 },
        });
        expect(await failure(svc.getOrganization({ ...me, organization: a.name }))).toMatchObject({
          code: 'ORGANIZATION.NOT_FOUND',
        });
        const guard = h.runtime.guard;
        expect(await guard.ownerOf('organization', N('list-gamma'))).toBe(a.id);
        expect(await guard.ownerOf('organization', a.name)).toBeUndefined();
        // A rename onto a taken name is refused and leaves both names as they were.
        expect(
          await failure(
            svc.updateOrganization({ ...me, organization: N('list-gamma'), name: N('list-beta') }),
          ),
        ).toMatchObject({ code: 'UNIQUENESS.ORGANIZATION_TAKEN' });
        expect(await guard.ownerOf('organization', N('list-gamma'))).toBe(a.id);
        // 2FA cannot be required while an owner has none (identity publishes no 2FA yet: nobody has it).
        expect(
          await failure(
            svc.updateOrganization({
              ...me,
              organization: N('list-gamma'),
              settings: { collaboratorAuthPolicy: 'two_factor_mandatory' },
            }),
          ),
        ).toMatchObject({ code: 'ORGANIZATION.INVALID_COLLABORATOR_AUTH_POLICY' });

        expect(await svc.deleteOrganization({ ...me, organization: N('list-gamma') })).toEqual({ ok: true });
        expect(await names({})).toEqual([N('list-beta')]);
        expect(await guard.ownerOf('organization', N('list-gamma'))).toBeUndefined();
        // The name can be used again.
        const again = await svc.createOrganization({ ...me, name: N('list-gamma'), email: 'x@example.org' });
        expect(again.organization.id).not.toBe(a.id);
      });

      it('serves the entitlement set to members (TFC-API §6.3) and 404 to others', async () => {
        const alice = await user('alice');
        const org = await createOrg(alice, 'entitled');
        const view = await svc.getEntitlements({ ...asUser(alice.userId), organization: org.name });
        expect(view).toMatchObject({
          id: org.id,
          organizationName: org.name,
          features: { teams: true, operations: false },
        });
        expect(Object.keys(view.features)).toHaveLength(24);
        expect(Object.values(view.limits)).toEqual(Array(8).fill(null));
        const bob = await user('bob');
        expect(
          await failure(svc.getEntitlements({ ...asUser(bob.userId), organization: org.name })),
        ).toMatchObject({
          code: 'ORGANIZATION.NOT_FOUND',
        });
      });
    });

    describe('invitations', () => {
      it('invite → MemberInvited with the token sealed and hashed, never in clear; re-invite refreshes it', async () => {
        const alice = await user('alice');
        const org = await createOrg(alice, 'inv');
        const first = await invite(alice.userId, org.name, 'Dana@Example.org');
        expect(first.membership).toMatchObject({
          id: expect.stringMatching(/^ou-/),
          status: 'invited',
          email: 'Dana@example.org',
          userId: null,
          organizationName: org.name,
          isOrgTwoFactorRequired: false,
        });
        expect(first.token).toMatch(new RegExp(`^${org.id}\\.[A-Za-z0-9_-]{43}$`));
        const secret = first.token.split('.')[1]!;
        const stream = await h.infra.eventStore.readStream(`organization-${org.id}`);
        const invited = stream.at(-1)!;
        expect(invited.data).toMatchObject({
          tokenHash: sha256Hex(secret),
          invitedBy: alice.username,
          refreshed: false,
          expiresAt: new Date(h.clock.ms + 7 * DAY).toISOString(),
        });
        const json = JSON.stringify(await allEvents(h), (_k, v: unknown) =>
          typeof v === 'bigint' ? v.toString() : v,
        );
        expect(json).not.toContain(secret);
        // What leaves on membership.events: the contract's shape, with the organization's name.
        const published = publicMembershipEvent(invited)!;
        expect(
          published.data as Extract<MembershipIntegrationEvent, { type: 'MemberInvited' }>['data'],
        ).toEqual({
          organizationId: org.id,
          organizationName: org.name,
          membershipId: first.membership.id,
          email: 'Dana@example.org',
          teamIds: [],
          invitedBy: alice.username,
          expiresAt: (invited.data as { expiresAt: string }).expiresAt,
          tokenHash: sha256Hex(secret),
          sealedToken: (invited.data as { sealedToken: string }).sealedToken,
          refreshed: false,
        });
        expect(published.metadata).not.toHaveProperty('organization');

        expect(await svc.getInvitation({ ...anonymous(), token: first.token })).toEqual({
          organizationName: org.name,
          email: 'Dana@example.org',
          invitedBy: alice.username,
          expiresAt: new Date(h.clock.ms + 7 * DAY).toISOString(),
          accountExists: false,
          isOrgTwoFactorRequired: false,
        });

        h.clock.advance(DAY);
        const again = await invite(alice.userId, org.name, 'dana@EXAMPLE.org');
        expect(again.membership.id).toBe(first.membership.id);
        expect((await h.infra.eventStore.readStream(`organization-${org.id}`)).at(-1)!.data).toMatchObject({
          refreshed: true,
          expiresAt: new Date(h.clock.ms + 7 * DAY).toISOString(),
        });
        expect(await failure(svc.getInvitation({ ...anonymous(), token: first.token }))).toMatchObject({
          code: 'INVITATION.NOT_FOUND',
        });
        expect(await svc.getInvitation({ ...anonymous(), token: again.token })).toMatchObject({
          email: 'Dana@example.org',
        });
        for (const token of ['junk', `${org.id}.${'x'.repeat(43)}`, `org-nothere.${'x'.repeat(43)}`])
          expect(await failure(svc.getInvitation({ ...anonymous(), token }))).toMatchObject({
            code: 'INVITATION.NOT_FOUND',
          });
        // Expired: not found.
        h.clock.advance(7 * DAY);
        expect(await failure(svc.getInvitation({ ...anonymous(), token: again.token }))).toMatchObject({
          code: 'INVITATION.NOT_FOUND',
        });
      });

      it('accepts via link with the matching confirmed e-mail; refuses a mismatch and an unconfirmed address', async () => {
        const alice = await user('alice');
        const org = await createOrg(alice, 'link');
        const carol = await user('carol');
        const { token, membership } = await invite(alice.userId, org.name, carol.email.toUpperCase());
        expect((await svc.getInvitation({ ...anonymous(), token })).accountExists).toBe(true);

        const mallory = await user('mallory');
        expect(await failure(svc.acceptInvitation({ ...asUser(mallory.userId), token }))).toMatchObject({
          code: 'INVITATION.EMAIL_MISMATCH_FORBIDDEN',
        });
        // Same address, but not confirmed: refused as a mismatch (confirm the address, then accept).
        const unconfirmed = await user('unconfirmed', { confirmed: false });
        const second = await invite(alice.userId, org.name, unconfirmed.email);
        expect(
          await failure(svc.acceptInvitation({ ...asUser(unconfirmed.userId), token: second.token })),
        ).toMatchObject({ code: 'INVITATION.EMAIL_MISMATCH_FORBIDDEN' });
        await h.deliver(
          h.identity.event({
            type: 'EmailConfirmed',
            data: { userId: unconfirmed.userId, email: unconfirmed.email },
          }),
        );
        expect(
          (await svc.acceptInvitation({ ...asUser(unconfirmed.userId), token: second.token })).membership
            .status,
        ).toBe('active');

        const accepted = await svc.acceptInvitation({ ...asUser(carol.userId), token });
        expect(accepted.membership).toMatchObject({
          id: membership.id,
          status: 'active',
          userId: carol.userId,
        });
        expect(accepted.included.users).toEqual([
          expect.objectContaining({ id: carol.userId, username: carol.username, email: carol.email }),
        ]);
        // Used up: the same token finds nothing now.
        expect(await failure(svc.acceptInvitation({ ...asUser(carol.userId), token }))).toMatchObject({
          code: 'INVITATION.NOT_FOUND',
        });
        expect(await failure(svc.acceptInvitation({ ...anonymous(), token }))).toMatchObject({
          code: 'INVITATION.NOT_FOUND',
        });
        expect(
          (await svc.getOrganization({ ...asUser(carol.userId), organization: org.name })).organization,
        ).toMatchObject({ permissions: { canUpdate: false, canTraverse: true } });
      });

      it('accepts a sign-up invitation from AccountRegistered.invitation exactly once, even when delivered twice', async () => {
        const alice = await user('alice');
        const org = await createOrg(alice, 'signup');
        const username = N('bob');
        const { membership } = await invite(alice.userId, org.name, `${username}@example.org`);
        const registered = h.identity.registered(
          { userId: `user-${username}`, username, email: `${username}@example.org`, emailConfirmed: true },
          { organizationId: org.id, membershipId: membership.id },
        );
        await Promise.all([h.deliver(registered), h.deliver(registered)].map((p) => p.catch(() => false)));
        await h.deliver(registered);
        const stream = await h.infra.eventStore.readStream(`organization-${org.id}`);
        expect(stream.filter((e) => e.type === 'InvitationAccepted').map((e) => e.data)).toEqual([
          expect.objectContaining({
            membershipId: membership.id,
            userId: `user-${username}`,
            via: 'sign-up',
          }),
        ]);
        expect(stream.at(-1)!.metadata).toMatchObject({
          causationId: registered.id,
          actor: { kind: 'system' },
        });
        const mine = await svc.listMyMemberships({ ...asUser(`user-${username}`) });
        expect(mine.memberships).toEqual([
          expect.objectContaining({ id: membership.id, status: 'active', isOwner: false }),
        ]);
        const found = await svc.listMemberships({
          ...asUser(alice.userId),
          organization: org.name,
          q: username,
        });
        expect(found.memberships.map((m) => m.id)).toEqual([membership.id]);
      });
    });

    describe('memberships', () => {
      let owner: { userId: string };
      let orgName: string;
      let dev: string;
      const members: Array<{ userId: string; username: string; email: string; membershipId: string }> = [];
      const invitees: string[] = [];

      beforeAll(async () => {
        owner = await user('big-owner');
        const org = await createOrg(owner, 'big');
        orgName = org.name;
        dev = (await svc.createTeam({ ...asUser(owner.userId), organization: orgName, name: 'dev' })).team.id;
        // 250 memberships: 150 active (signed up from their invitation), 99 invited, the owner.
        for (let i = 0; i < 150; i++) {
          h.clock.advance(1000);
          const username = `${run}-m${String(i).padStart(3, '0')}`;
          const email = `${username}@Members.example.org`;
          const { membership } = await svc.invite({
            ...asUser(owner.userId),
            organization: orgName,
            email,
            ...(i % 3 === 0 ? { teamIds: [dev] } : {}),
          });
          await h.deliver(
            h.identity.registered(
              { userId: `user-${username}`, username, email, emailConfirmed: true },
              { organizationId: org.id, membershipId: membership.id },
            ),
          );
          members.push({ userId: `user-${username}`, username, email, membershipId: membership.id });
        }
        for (let i = 0; i < 99; i++) {
          h.clock.advance(1000);
          const { membership } = await svc.invite({
            ...asUser(owner.userId),
            organization: orgName,
            email: `pending-${i}-${run}@Pending.example.org`,
          });
          invitees.push(membership.id);
        }
      }, 600_000);

      it('lists with status counts over the whole organization, filters and pages', async () => {
        const me = asUser(owner.userId);
        const all = await svc.listMemberships({
          ...me,
          organization: orgName,
          page: { number: 1, size: 100 },
        });
        expect(all.total).toBe(250);
        expect(all.statusCounts).toEqual({ total: 250, active: 151, invited: 99 });
        expect(all.memberships).toHaveLength(100);
        const ids: string[] = [];
        for (let page = 1; page <= 3; page++)
          ids.push(
            ...(
              await svc.listMemberships({ ...me, organization: orgName, page: { number: page, size: 100 } })
            ).memberships.map((m) => m.id),
          );
        expect(new Set(ids).size).toBe(250);
        const beyond = await svc.listMemberships({
          ...me,
          organization: orgName,
          page: { number: 9, size: 100 },
        });
        expect(beyond).toMatchObject({ memberships: [], total: 250, page: { number: 9, size: 100 } });

        const invited = await svc.listMemberships({
          ...me,
          organization: orgName,
          status: 'invited',
          page: { number: 2, size: 50 },
        });
        expect(invited).toMatchObject({ total: 99, statusCounts: { total: 250, active: 151, invited: 99 } });
        expect(invited.memberships).toHaveLength(49);

        // q: username or e-mail, case-insensitive substring.
        const byUsername = await svc.listMemberships({
          ...me,
          organization: orgName,
          q: `${run}-M01`.toUpperCase(),
        });
        expect(byUsername.memberships.map((m) => m.userId).sort()).toEqual(
          members
            .filter((m) => m.username.startsWith(`${run}-m01`))
            .map((m) => m.userId)
            .sort(),
        );
        expect(byUsername.total).toBe(10);
        expect(byUsername.statusCounts.total).toBe(250);
        const byEmail = await svc.listMemberships({ ...me, organization: orgName, q: `PENDING-7-${run}` });
        expect(byEmail.memberships.map((m) => m.id)).toEqual([invitees[7]]);
        const exact = await svc.listMemberships({
          ...me,
          organization: orgName,
          emails: [
            members[3]!.email.toUpperCase(),
            `pending-5-${run}@pending.example.org`,
            'nobody@example.org',
          ],
        });
        expect(exact.memberships.map((m) => m.id).sort()).toEqual(
          [members[3]!.membershipId, invitees[5]].sort(),
        );

        // Included users carry e-mails for managers; teams are the ones the memberships are on.
        const withDev = await svc.listMemberships({ ...me, organization: orgName, q: members[0]!.username });
        expect(withDev.memberships[0]!.teamIds).toEqual([dev]);
        expect(withDev.included.users).toEqual([
          expect.objectContaining({ id: members[0]!.userId, email: members[0]!.email }),
        ]);
        expect(withDev.included.teams).toEqual([
          expect.objectContaining({
            id: dev,
            name: 'dev',
            userIds: expect.arrayContaining([members[0]!.userId]),
          }),
        ]);
        expect(withDev.included.teams[0]!.userIds).toHaveLength(50);
        const lean = await svc.listMemberships({
          ...me,
          organization: orgName,
          q: members[0]!.username,
          include: ['users'],
        });
        expect(lean.included.teams).toEqual([]);

        // Members without membership management cannot list (404, as TFC answers).
        expect(
          await failure(svc.listMemberships({ ...asUser(members[1]!.userId), organization: orgName })),
        ).toMatchObject({ code: 'ORGANIZATION.NOT_FOUND' });
      });

      it('a username change is searchable at once; a deleted account leaves every organization', async () => {
        const m = members[140]!;
        await h.deliver(
          h.identity.event({
            type: 'UsernameChanged',
            data: { userId: m.userId, from: m.username, to: N('renamed') },
          }),
        );
        const found = await svc.listMemberships({
          ...asUser(owner.userId),
          organization: orgName,
          q: N('renamed'),
        });
        expect(found.memberships.map((x) => x.id)).toEqual([m.membershipId]);

        const gone = members[141]!;
        const deleted = h.identity.event({ type: 'AccountDeleted', data: { userId: gone.userId } });
        expect(await h.deliver(deleted)).toBe(true);
        expect(await h.deliver(deleted)).toBe(false);
        expect(
          await failure(svc.getMembership({ ...asUser(owner.userId), membershipId: gone.membershipId })),
        ).toMatchObject({ code: 'MEMBERSHIP.NOT_FOUND' });
        const orgId = (await svc.getOrganization({ ...asUser(owner.userId), organization: orgName }))
          .organization.id;
        const removed = (await h.infra.eventStore.readStream(`organization-${orgId}`)).filter(
          (e) => e.type === 'MembershipRemoved',
        );
        expect(removed.map((e) => e.data)).toContainEqual(
          expect.objectContaining({ membershipId: gone.membershipId, reason: 'account-deleted' }),
        );
        expect(await h.runtime.mirror.get(gone.userId)).toBeUndefined();
      });
    });

    describe('own memberships, leaving and removing', () => {
      it("lists the caller's memberships with isOwner, and invitations to the confirmed e-mail", async () => {
        const alice = await user('alice');
        const bob = await user('bob');
        const a = await createOrg(alice, 'own-a');
        const b = await createOrg(bob, 'own-b');
        const { token } = await invite(alice.userId, a.name, bob.email);
        const mine = await svc.listMyMemberships({ ...asUser(bob.userId) });
        expect(mine.memberships.map((m) => [m.organizationName, m.status, m.isOwner])).toEqual([
          [b.name, 'active', true],
          [a.name, 'invited', false],
        ]);
        expect(mine.statusCounts).toEqual({ total: 2, active: 1, invited: 1 });
        expect(mine.included.organizations.map((o) => o.name)).toEqual([b.name]);
        expect(mine.included.users).toEqual([expect.objectContaining({ id: bob.userId, email: bob.email })]);
        await svc.acceptInvitation({ ...asUser(bob.userId), token });
        const after = await svc.listMyMemberships({ ...asUser(bob.userId), page: { number: 1, size: 1 } });
        expect(after).toMatchObject({ total: 2, page: { number: 1, size: 1 } });
        expect(
          (await svc.listMyMemberships({ ...asUser(bob.userId) })).memberships.map((m) => m.isOwner),
        ).toEqual([true, false]);
        expect(await failure(svc.listMyMemberships({ ...asOrganization(a.id) }))).toMatchObject({
          code: 'MEMBERSHIP.ACTOR_FORBIDDEN',
        });
      });

      it('members leave; the last owner cannot; managers remove members and cancel invitations', async () => {
        const alice = await user('alice');
        const org = await createOrg(alice, 'leave');
        const bob = await joined(alice, org.name);
        const carol = await joined(alice, org.name);
        const { membership: pending } = await invite(alice.userId, org.name, `pending-${run}@example.org`);
        const aliceMembership = (await svc.listMyMemberships({ ...asUser(alice.userId) })).memberships.find(
          (m) => m.organizationId === org.id,
        )!.id;

        expect(
          await failure(svc.removeMembership({ ...asUser(alice.userId), membershipId: aliceMembership })),
        ).toMatchObject({ code: 'MEMBERSHIP.LAST_OWNER_FORBIDDEN', message: expect.stringMatching(/owner/) });
        // A plain member can neither remove others nor see their memberships.
        expect(
          await failure(svc.removeMembership({ ...asUser(bob.userId), membershipId: carol.membershipId })),
        ).toMatchObject({ code: 'MEMBERSHIP.NOT_FOUND' });
        expect(await svc.removeMembership({ ...asUser(bob.userId), membershipId: bob.membershipId })).toEqual(
          {
            ok: true,
          },
        );
        expect(
          await failure(svc.getOrganization({ ...asUser(bob.userId), organization: org.name })),
        ).toMatchObject({
          code: 'ORGANIZATION.NOT_FOUND',
        });
        await svc.removeMembership({ ...asUser(alice.userId), membershipId: carol.membershipId });
        await svc.removeMembership({ ...asOrganization(org.id), membershipId: pending.id });
        const reasons = (await h.infra.eventStore.readStream(`organization-${org.id}`))
          .filter((e) => e.type === 'MembershipRemoved')
          .map((e) => (e.data as { reason: string }).reason);
        expect(reasons).toEqual(['left', 'removed', 'invitation-cancelled']);
        const left = await svc.listMemberships({ ...asUser(alice.userId), organization: org.name });
        expect(left.memberships.map((m) => m.id)).toEqual([aliceMembership]);
        expect(left.statusCounts).toEqual({ total: 1, active: 1, invited: 0 });
      });

      it('of two owners leaving at the same moment exactly one succeeds, and the owners team keeps an active member', async () => {
        const alice = await user('alice');
        const org = await createOrg(alice, 'race');
        const bob = await joined(alice, org.name);
        await svc.addTeamMembers({
          ...asUser(alice.userId),
          teamId: org.ownersTeamId,
          usernames: [bob.username],
        });
        const aliceMembership = (await svc.listMyMemberships({ ...asUser(alice.userId) })).memberships.find(
          (m) => m.organizationId === org.id,
        )!.id;
        const results = await Promise.allSettled([
          svc.removeMembership({ ...asUser(alice.userId), membershipId: aliceMembership }),
          svc.removeMembership({ ...asUser(bob.userId), membershipId: bob.membershipId }),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
        expect(refused.reason).toMatchObject({ code: 'MEMBERSHIP.LAST_OWNER_FORBIDDEN' });
        const stayed = results[0]!.status === 'rejected' ? alice : bob;
        const owners = await svc.getTeam({ ...asUser(stayed.userId), teamId: org.ownersTeamId });
        expect(owners.team.userIds).toEqual([stayed.userId]);
        const stream = await h.infra.eventStore.readStream(`organization-${org.id}`);
        expect(stream.filter((e) => e.type === 'MembershipRemoved')).toHaveLength(1);
      });
    });

    describe('teams', () => {
      it('creates, lists by visibility, updates and deletes teams; the owners team is protected', async () => {
        const alice = await user('alice');
        const org = await createOrg(alice, 'teams');
        const bob = await joined(alice, org.name);
        const me = asUser(alice.userId);
        const secret = (await svc.createTeam({ ...me, organization: org.name, name: 'secret-ops' })).team;
        expect(secret).toMatchObject({
          name: 'secret-ops',
          visibility: 'secret',
          isOwners: false,
          allowMemberTokenManagement: true,
          userIds: [],
          membershipIds: [],
          organizationName: org.name,
          permissions: { canDestroy: true, canUpdateMembership: true },
        });
        const open = (
          await svc.createTeam({
            ...me,
            organization: org.name,
            name: 'Platform',
            visibility: 'organization',
            organizationAccess: { manageMembership: true },
          })
        ).team;
        expect(open.organizationAccess.manageMembership).toBe(true);
        expect(
          await failure(
            svc.createTeam({ ...me, organization: org.name, name: 'PLATFORM', visibility: 'organization' }),
          ),
        ).toMatchObject({ code: 'TEAM.NAME_TAKEN' });

        const seen = async (userId: string, q: object = {}) =>
          (await svc.listTeams({ ...asUser(userId), organization: org.name, ...q })).teams.map((t) => t.name);
        expect(await seen(alice.userId)).toEqual(['owners', 'Platform', 'secret-ops']);
        expect(await seen(bob.userId)).toEqual(['owners', 'Platform']);
        expect(await failure(svc.getTeam({ ...asUser(bob.userId), teamId: secret.id }))).toMatchObject({
          code: 'TEAM.NOT_FOUND',
        });
        expect(await seen(alice.userId, { q: 'plat' })).toEqual(['Platform']);
        expect(await seen(alice.userId, { names: ['owners', 'secret-ops'] })).toEqual([
          'owners',
          'secret-ops',
        ]);
        expect(
          await svc.listTeams({ ...me, organization: org.name, page: { number: 2, size: 2 } }),
        ).toMatchObject({ total: 3, teams: [{ name: 'secret-ops' }] });

        // Bob on the secret team now sees it; a team's users carry e-mails for managers only.
        await svc.addTeamMembers({ ...me, teamId: secret.id, usernames: [bob.username.toUpperCase()] });
        expect(await seen(bob.userId)).toEqual(['owners', 'Platform', 'secret-ops']);
        const asBob = await svc.getTeam({ ...asUser(bob.userId), teamId: secret.id });
        expect(asBob.team.userIds).toEqual([bob.userId]);
        expect(asBob.included.users).toEqual([expect.objectContaining({ id: bob.userId, email: bob.email })]);
        expect(asBob.team.permissions.canUpdateMembership).toBe(false);
        const ownersAsBob = await svc.getTeam({ ...asUser(bob.userId), teamId: org.ownersTeamId });
        expect(ownersAsBob.included.users).toEqual([
          expect.objectContaining({ id: alice.userId, email: null }),
        ]);
        expect(ownersAsBob.included.memberships).toEqual([]);
        const asAlice = await svc.getTeam({ ...me, teamId: secret.id });
        expect(asAlice.included.memberships.map((m) => m.id)).toEqual([bob.membershipId]);

        const updated = await svc.updateTeam({
          ...me,
          teamId: open.id,
          name: 'platform-2',
          visibility: 'secret',
        });
        expect(updated.team).toMatchObject({ name: 'platform-2', visibility: 'secret' });
        expect(
          await failure(svc.updateTeam({ ...me, teamId: org.ownersTeamId, name: 'admins' })),
        ).toMatchObject({
          code: 'TEAM.INVALID_OWNERS_TEAM_CHANGE',
        });
        expect(await failure(svc.deleteTeam({ ...me, teamId: org.ownersTeamId }))).toMatchObject({
          code: 'TEAM.INVALID_OWNERS_TEAM_CHANGE',
        });
        expect(await failure(svc.deleteTeam({ ...asUser(bob.userId), teamId: secret.id }))).toMatchObject({
          code: 'TEAM.NOT_FOUND',
        });
        expect(await svc.deleteTeam({ ...me, teamId: secret.id })).toEqual({ ok: true });
        expect(await seen(alice.userId)).toEqual(['owners', 'platform-2']);
        const bobs = await svc.getMembership({ ...me, membershipId: bob.membershipId });
        expect(bobs.membership.teamIds).toEqual([]);
      });

      it('adds and removes members by username and by membership id (invited ones too)', async () => {
        const alice = await user('alice');
        const org = await createOrg(alice, 'team-members');
        const bob = await joined(alice, org.name);
        const me = asUser(alice.userId);
        const { membership: pending } = await invite(alice.userId, org.name, `later-${run}@example.org`);
        const dev = (
          await svc.createTeam({ ...me, organization: org.name, name: 'dev', visibility: 'organization' })
        ).team;

        await svc.addTeamMembers({ ...me, teamId: dev.id, membershipIds: [pending.id, bob.membershipId] });
        let team = (await svc.getTeam({ ...me, teamId: dev.id })).team;
        expect(team.userIds).toEqual([bob.userId]); // invited members are not users of the team yet
        expect(team.membershipIds.sort()).toEqual([pending.id, bob.membershipId].sort());
        const listed = await svc.listTeamMemberships({ ...me, teamId: dev.id, status: 'invited' });
        expect(listed).toMatchObject({ total: 1, statusCounts: { total: 2, active: 1, invited: 1 } });

        expect(
          await failure(svc.addTeamMembers({ ...me, teamId: dev.id, usernames: [bob.username] })),
        ).toMatchObject({
          code: 'TEAM.INVALID_MEMBERS',
        });
        expect(
          await failure(svc.addTeamMembers({ ...me, teamId: dev.id, usernames: ['nobody-at-all'] })),
        ).toMatchObject({
          code: 'TEAM.INVALID_MEMBERS',
        });
        const outsider = await user('outsider');
        expect(
          await failure(
            svc.addTeamMembers({ ...me, teamId: org.ownersTeamId, usernames: [outsider.username] }),
          ),
        ).toMatchObject({ code: 'TEAM.INVALID_MEMBERS' });
        expect(await failure(svc.addTeamMembers({ ...me, teamId: dev.id }))).toMatchObject({
          code: 'TEAM.INVALID_MEMBERS',
        });

        await svc.removeTeamMembers({ ...me, teamId: dev.id, usernames: [bob.username] });
        await svc.removeTeamMembers({ ...me, teamId: dev.id, membershipIds: [pending.id] });
        team = (await svc.getTeam({ ...me, teamId: dev.id })).team;
        expect(team).toMatchObject({ userIds: [], membershipIds: [] });
        // A plain member cannot change team membership.
        expect(
          await failure(
            svc.addTeamMembers({ ...asUser(bob.userId), teamId: dev.id, usernames: [bob.username] }),
          ),
        ).toMatchObject({ code: 'TEAM.NOT_FOUND' });
        // The last owner cannot be taken off the owners team.
        expect(
          await failure(
            svc.removeTeamMembers({
              ...me,
              teamId: org.ownersTeamId,
              usernames: [(await h.runtime.mirror.get(alice.userId))!.username],
            }),
          ),
        ).toMatchObject({ code: 'MEMBERSHIP.LAST_OWNER_FORBIDDEN' });
      });
    });

    describe('user ownerships', () => {
      it('lists the organizations a user owns, sole or shared, by name; not member-only ones or invitations to the owners team', async () => {
        const alice = await user('alice');
        const solo = await createOrg(alice, 'own-solo');
        const shared = await createOrg(alice, 'own-shared');
        const bob = await joined(alice, shared.name);
        await svc.addTeamMembers({
          ...asUser(alice.userId),
          teamId: shared.ownersTeamId,
          usernames: [bob.username],
        });
        const carol = await user('carol');
        const elsewhere = await createOrg(carol, 'own-elsewhere');
        await joined(carol, elsewhere.name); // someone else, so alice's membership below is not the only one
        const { token } = await invite(carol.userId, elsewhere.name, alice.email);
        await svc.acceptInvitation({ ...asUser(alice.userId), token }); // a plain member: not owned
        const dave = await user('dave');
        await invite(carol.userId, elsewhere.name, dave.email, [elsewhere.ownersTeamId]); // invited, not active

        expect(await svc.userOwnerships({ ...asSystem(), userId: alice.userId })).toEqual({
          organizations: [
            { id: shared.id, name: shared.name, soleOwner: false, twoFactorRequired: false },
            { id: solo.id, name: solo.name, soleOwner: true, twoFactorRequired: false },
          ],
        });
        expect(await svc.userOwnerships({ ...asSystem(), userId: bob.userId })).toEqual({
          organizations: [{ id: shared.id, name: shared.name, soleOwner: false, twoFactorRequired: false }],
        });
        expect(await svc.userOwnerships({ ...asSystem(), userId: carol.userId })).toEqual({
          organizations: [
            { id: elsewhere.id, name: elsewhere.name, soleOwner: true, twoFactorRequired: false },
          ],
        });
        for (const userId of [dave.userId, 'user-nobody'])
          expect(await svc.userOwnerships({ ...asSystem(), userId })).toEqual({ organizations: [] });

        // Bob leaves the owners team: alice is the sole owner of both again. A deleted organization is gone.
        await svc.removeTeamMembers({
          ...asUser(alice.userId),
          teamId: shared.ownersTeamId,
          usernames: [bob.username],
        });
        await svc.deleteOrganization({ ...asUser(alice.userId), organization: solo.name });
        expect(await svc.userOwnerships({ ...asSystem(), userId: alice.userId })).toEqual({
          organizations: [{ id: shared.id, name: shared.name, soleOwner: true, twoFactorRequired: false }],
        });
        expect(await svc.userOwnerships({ ...asSystem(), userId: bob.userId })).toEqual({
          organizations: [],
        });
      });

      it('answers only the system actor: users (the owner included), organization tokens and anonymous callers get NOT_FOUND', async () => {
        const alice = await user('alice');
        const org = await createOrg(alice, 'own-private');
        for (const meta of [asUser(alice.userId), asOrganization(org.id), anonymous()])
          expect(await failure(svc.userOwnerships({ ...meta, userId: alice.userId }))).toMatchObject({
            code: 'ORGANIZATION.NOT_FOUND',
          });
      });
    });

    describe('two-factor policy', () => {
      const twoFactor = async (u: { userId: string }, enabled: boolean) =>
        h.deliver(
          h.identity.event(
            enabled
              ? { type: 'TwoFactorEnabled', data: { userId: u.userId, delivery: 'app' } }
              : { type: 'TwoFactorDisabled', data: { userId: u.userId, by: 'user' } },
          ),
        );
      const LOCKED = { code: 'ORGANIZATION.TWO_FACTOR_REQUIRED' };

      it('is set only when every owner has 2FA (422 naming them); then members without 2FA get a 403 until they enable it', async () => {
        const alice = await user('alice');
        const org = await createOrg(alice, 'tfa');
        const dev = (
          await svc.createTeam({
            ...asUser(alice.userId),
            organization: org.name,
            name: 'dev',
            visibility: 'organization',
          })
        ).team;
        const managers = (
          await svc.createTeam({
            ...asUser(alice.userId),
            organization: org.name,
            name: 'managers',
            organizationAccess: { manageMembership: true },
          })
        ).team;
        const bob = await joined(alice, org.name, [dev.id]);
        const carol = await joined(alice, org.name, [managers.id]);
        const mandatory = {
          ...asUser(alice.userId),
          organization: org.name,
          settings: { collaboratorAuthPolicy: 'two_factor_mandatory' as const },
        };

        // Identity's TwoFactorEnabled reaches the mirror: before it the owner cannot require 2FA, after it she can.
        expect(await failure(svc.updateOrganization(mandatory))).toMatchObject({
          code: 'ORGANIZATION.INVALID_COLLABORATOR_AUTH_POLICY',
          details: { owners: [alice.userId] },
        });
        expect(await twoFactor(alice, true)).toBe(true);
        expect(await twoFactor(alice, true)).toBe(true); // another event id: handled, the mirror records nothing
        expect((await h.runtime.mirror.get(alice.userId))?.twoFactor).toBe(true);
        const updated = (await svc.updateOrganization(mandatory)).organization;
        expect(updated).toMatchObject({
          settings: { collaboratorAuthPolicy: 'two_factor_mandatory' },
          twoFactorConformant: true,
          permissions: { canUpdate: true },
        });
        expect(await svc.userOwnerships({ ...asSystem(), userId: alice.userId })).toEqual({
          organizations: [{ id: org.id, name: org.name, soleOwner: true, twoFactorRequired: true }],
        });

        // Bob (no 2FA) is locked out of the organization, its teams and memberships, with the code and a reason.
        const asBob = asUser(bob.userId);
        const refused = await failure(svc.getOrganization({ ...asBob, organization: org.name }));
        expect(refused).toMatchObject({ ...LOCKED, details: { organization: org.name } });
        expect(refused.message).toMatch(/requires two-factor authentication.*enable it/);
        for (const call of [
          () => svc.getEntitlements({ ...asBob, organization: org.name }),
          () => svc.listTeams({ ...asBob, organization: org.name }),
          () => svc.getTeam({ ...asBob, teamId: dev.id }),
          () => svc.createTeam({ ...asBob, organization: org.name, name: 'sneaky' }),
        ])
          expect(await failure(call())).toMatchObject(LOCKED);
        // Carol manages membership, but without 2FA she can neither list, invite nor remove.
        const asCarol = asUser(carol.userId);
        for (const call of [
          () => svc.listMemberships({ ...asCarol, organization: org.name }),
          () => svc.listTeamMemberships({ ...asCarol, teamId: dev.id }),
          () => svc.getMembership({ ...asCarol, membershipId: bob.membershipId }),
          () => svc.invite({ ...asCarol, organization: org.name, email: 'x@example.org' }),
          () => svc.removeMembership({ ...asCarol, membershipId: bob.membershipId }),
          () => svc.addTeamMembers({ ...asCarol, teamId: dev.id, usernames: [carol.username] }),
        ])
          expect(await failure(call())).toMatchObject(LOCKED);

        // What stays: their own memberships, their organization list (showing why), the organization token.
        const listed = (await svc.listOrganizations({ ...asBob })).organizations;
        expect(listed).toEqual([
          expect.objectContaining({
            name: org.name,
            twoFactorConformant: false,
            settings: expect.objectContaining({ collaboratorAuthPolicy: 'two_factor_mandatory' }),
            permissions: expect.objectContaining({
              canUpdate: false,
              canTraverse: false,
              canCreateTeam: false,
            }),
          }),
        ]);
        const mine = await svc.listMyMemberships({ ...asBob });
        expect(mine.memberships).toEqual([
          expect.objectContaining({ id: bob.membershipId, status: 'active', isOrgTwoFactorRequired: true }),
        ]);
        expect(mine.included.organizations).toEqual([
          expect.objectContaining({ name: org.name, twoFactorConformant: false }),
        ]);
        expect(mine.included.teams).toEqual([]);
        const own = await svc.getMembership({
          ...asBob,
          membershipId: bob.membershipId,
          include: ['users', 'teams'],
        });
        expect(own.membership).toMatchObject({ id: bob.membershipId, teamIds: [dev.id] });
        expect(own.included.teams).toEqual([]);
        expect(own.included.users.map((u) => u.id)).toEqual([bob.userId]);
        expect(
          (await svc.getOrganization({ ...asOrganization(org.id), organization: org.name })).organization
            .name,
        ).toBe(org.name);

        // `two-factor` is real on the users included with memberships.
        const { included } = await svc.listMemberships({
          ...asUser(alice.userId),
          organization: org.name,
          include: ['users'],
        });
        const twoFactorOf = (userId: string) => included.users.find((u) => u.id === userId)?.twoFactor;
        expect(twoFactorOf(alice.userId)).toEqual({ enabled: true, verified: true });
        expect(twoFactorOf(bob.userId)).toEqual({ enabled: false, verified: false });

        // Bob enables 2FA: he is back at once, with his permissions. Disabling it locks him out again.
        await twoFactor(bob, true);
        expect((await svc.getOrganization({ ...asBob, organization: org.name })).organization).toMatchObject({
          twoFactorConformant: true,
          permissions: { canTraverse: true, canAccessViaTeams: true },
        });
        expect((await svc.getTeam({ ...asBob, teamId: dev.id })).team.id).toBe(dev.id);
        await twoFactor(bob, false);
        expect(await svc.noteTwoFactorDisabled(bob.userId)).toEqual([]); // not an owner: nothing to warn about
        expect(await failure(svc.listTeams({ ...asBob, organization: org.name }))).toMatchObject(LOCKED);
        // Carol enables it: she manages membership again.
        await twoFactor(carol, true);
        expect(
          (await svc.listMemberships({ ...asCarol, organization: org.name })).memberships.length,
        ).toBeGreaterThanOrEqual(3);
      });

      it('invitees see is-org-two-factor-required, may accept, are locked out until 2FA, and may always leave', async () => {
        const alice = await user('alice');
        const org = await createOrg(alice, 'tfa-invite');
        await twoFactor(alice, true);
        await svc.updateOrganization({
          ...asUser(alice.userId),
          organization: org.name,
          settings: { collaboratorAuthPolicy: 'two_factor_mandatory' },
        });
        const dave = await user('dave');
        const { membership, token } = await invite(alice.userId, org.name, dave.email);
        expect(membership.isOrgTwoFactorRequired).toBe(true);
        expect(await svc.getInvitation({ ...anonymous(), token })).toMatchObject({
          organizationName: org.name,
          isOrgTwoFactorRequired: true,
        });
        const accepted = await svc.acceptInvitation({ ...asUser(dave.userId), token });
        expect(accepted.membership).toMatchObject({ status: 'active', userId: dave.userId });
        expect(
          await failure(svc.getOrganization({ ...asUser(dave.userId), organization: org.name })),
        ).toMatchObject(LOCKED);
        await svc.removeMembership({ ...asUser(dave.userId), membershipId: membership.id });
        expect(
          await failure(svc.getOrganization({ ...asUser(dave.userId), organization: org.name })),
        ).toMatchObject({ code: 'ORGANIZATION.NOT_FOUND' });
      });

      it('an owner whose 2FA is disabled anyway (a site admin reset) is locked out too, and back after re-enabling', async () => {
        const alice = await user('alice');
        const org = await createOrg(alice, 'tfa-owner');
        await twoFactor(alice, true);
        const policy = (collaboratorAuthPolicy: 'password' | 'two_factor_mandatory') => ({
          ...asUser(alice.userId),
          organization: org.name,
          settings: { collaboratorAuthPolicy },
        });
        await svc.updateOrganization(policy('two_factor_mandatory'));
        const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
        try {
          await h.deliver(
            h.identity.event({ type: 'TwoFactorDisabled', data: { userId: alice.userId, by: 'admin' } }),
          );
          // Nothing changes but a warning for operators naming the owner and the organization.
          expect(warn).toHaveBeenCalledWith(expect.stringContaining(`"organizations":["${org.name}"]`));
          expect(warn).toHaveBeenCalledWith(expect.stringContaining(alice.userId));
        } finally {
          warn.mockRestore();
        }
        expect(await svc.noteTwoFactorDisabled(alice.userId)).toEqual([org.name]);
        expect(await failure(svc.updateOrganization(policy('password')))).toMatchObject(LOCKED);
        expect(
          await failure(svc.getOrganization({ ...asUser(alice.userId), organization: org.name })),
        ).toMatchObject(LOCKED);
        await twoFactor(alice, true);
        expect((await svc.updateOrganization(policy('password'))).organization.settings).toMatchObject({
          collaboratorAuthPolicy: 'password',
        });
      });
    });

    describe('token TTL policies', () => {
      const iso = (ms: number) => new Date(ms).toISOString();
      /** Request metadata of a user acting through a user token living `lifetimeMs` (null: never expires). */
      const asUserToken = (userId: string, lifetimeMs: number | null): { meta: RequestMeta } => ({
        meta: {
          actor: {
            kind: 'user',
            id: userId,
            userToken: {
              tokenId: `at-${userId}`,
              createdAt: iso(h.clock.ms - DAY),
              expiredAt: lifetimeMs === null ? null : iso(h.clock.ms - DAY + lifetimeMs),
            },
          },
        },
      });
      const EXCEEDED = { code: 'ORGANIZATION.TOKEN_TTL_EXCEEDED' };

      it('owners set them (the whole set in the event; unlisted types kept); members are told 403, anyone else 404', async () => {
        const alice = await user('alice');
        const org = await createOrg(alice, 'ttl');
        const bob = await joined(alice, org.name);
        const outsider = await user('eve');
        const asAlice = { ...asUser(alice.userId), organization: org.name };
        expect(await svc.getTokenTtlPolicies(asAlice)).toEqual({
          organizationId: org.id,
          organizationName: org.name,
          policies: [],
        });
        expect(org.settings.maxTtlEnabled).toBe(false);

        h.clock.advance(1000);
        const first = iso(h.clock.ms);
        const set = await svc.setTokenTtlPolicies({
          ...asAlice,
          policies: [{ tokenType: 'user', maxTtlMs: 30 * DAY }],
        });
        expect(set.policies).toEqual([
          { tokenType: 'user', maxTtlMs: 30 * DAY, createdAt: first, updatedAt: first },
        ]);
        h.clock.advance(1000);
        const second = iso(h.clock.ms);
        const both = await svc.setTokenTtlPolicies({
          ...asAlice,
          policies: [
            { tokenType: 'team', maxTtlMs: 7 * DAY },
            { tokenType: 'user', maxTtlMs: 60 * DAY },
          ],
        });
        // In TOKEN_TTL_TYPES order; the user policy keeps its creation.
        expect(both.policies).toEqual([
          { tokenType: 'team', maxTtlMs: 7 * DAY, createdAt: second, updatedAt: second },
          { tokenType: 'user', maxTtlMs: 60 * DAY, createdAt: first, updatedAt: second },
        ]);
        h.clock.advance(1000);
        const third = await svc.setTokenTtlPolicies({
          ...asAlice,
          policies: [{ tokenType: 'organization', maxTtlMs: DAY }],
        });
        expect(third.policies.map((p) => p.tokenType)).toEqual(['organization', 'team', 'user']);
        expect(await svc.getTokenTtlPolicies(asAlice)).toEqual(third);

        // The stored event carries the whole set; the relay publishes it as OrganizationTokenTtlPoliciesSet.
        const stream = await h.infra.eventStore.readStream(`organization-${org.id}`);
        const sets = stream.filter((e) => e.type === 'OrganizationTokenTtlPoliciesSet');
        expect(sets.map((e) => (e.data as { policies: unknown[] }).policies.length)).toEqual([1, 2, 3]);
        expect(publicMembershipEvent(sets.at(-1)!)).toMatchObject({
          type: 'OrganizationTokenTtlPoliciesSet',
          data: { organizationId: org.id, organizationName: org.name, policies: third.policies },
        });
        // Setting what is already set appends nothing.
        await svc.setTokenTtlPolicies({
          ...asAlice,
          policies: [{ tokenType: 'organization', maxTtlMs: DAY }],
        });
        expect((await h.infra.eventStore.readStream(`organization-${org.id}`)).length).toBe(stream.length);

        expect((await svc.getOrganization(asAlice)).organization.settings.maxTtlEnabled).toBe(true);
        const FORBIDDEN = { code: 'ORGANIZATION.OWNER_REQUIRED_FORBIDDEN' };
        const asBob = { ...asUser(bob.userId), organization: org.name };
        expect(await failure(svc.getTokenTtlPolicies(asBob))).toMatchObject(FORBIDDEN);
        expect(
          await failure(
            svc.setTokenTtlPolicies({ ...asBob, policies: [{ tokenType: 'user', maxTtlMs: DAY }] }),
          ),
        ).toMatchObject(FORBIDDEN);
        for (const meta of [asUser(outsider.userId), asOrganization(org.id), anonymous()]) {
          expect(await failure(svc.getTokenTtlPolicies({ ...meta, organization: org.name }))).toMatchObject({
            code: 'ORGANIZATION.NOT_FOUND',
          });
          expect(
            await failure(
              svc.setTokenTtlPolicies({
                ...meta,
                organization: org.name,
                policies: [{ tokenType: 'user', maxTtlMs: DAY }],
              }),
            ),
          ).toMatchObject({ code: 'ORGANIZATION.NOT_FOUND' });
        }
      });

      it("a member's user token living longer than the `user` policy is refused on the organization's routes, not on the exempt ones", async () => {
        const alice = await user('alice');
        const org = await createOrg(alice, 'ttlu');
        const dev = (
          await svc.createTeam({
            ...asUser(alice.userId),
            organization: org.name,
            name: 'dev',
            visibility: 'organization',
          })
        ).team;
        const bob = await joined(alice, org.name, [dev.id]);
        await svc.setTokenTtlPolicies({
          ...asUser(alice.userId),
          organization: org.name,
          policies: [{ tokenType: 'user', maxTtlMs: 30 * DAY }],
        });

        // Within the maximum (and a session): as before.
        for (const meta of [asUserToken(bob.userId, 30 * DAY), asUser(bob.userId)]) {
          expect((await svc.getOrganization({ ...meta, organization: org.name })).organization.name).toBe(
            org.name,
          );
          expect((await svc.getTeam({ ...meta, teamId: dev.id })).team.id).toBe(dev.id);
        }

        // Beyond it, or without expiry: 403 naming the maximum, on reads and commands alike.
        for (const meta of [asUserToken(bob.userId, 30 * DAY + 1), asUserToken(bob.userId, null)]) {
          const refused = await failure(svc.getOrganization({ ...meta, organization: org.name }));
          expect(refused).toMatchObject({
            ...EXCEEDED,
            details: { organization: org.name, maxTtlMs: 30 * DAY },
          });
          expect(refused.message).toContain('30 days');
          expect(refused.message).toMatch(/shorter expiry, or a session/);
          expect(await failure(svc.getTeam({ ...meta, teamId: dev.id }))).toMatchObject(EXCEEDED);
          expect(await failure(svc.listTeams({ ...meta, organization: org.name }))).toMatchObject(EXCEEDED);
          expect(await failure(svc.getEntitlements({ ...meta, organization: org.name }))).toMatchObject(
            EXCEEDED,
          );
          expect(
            await failure(svc.createTeam({ ...meta, organization: org.name, name: 'nope' })),
          ).toMatchObject(EXCEEDED);
        }

        // Exempt: the organization list (no permissions), own memberships, leaving.
        const long = asUserToken(bob.userId, null);
        const listed = (await svc.listOrganizations({ ...long })).organizations.find((o) => o.id === org.id)!;
        expect(listed).toMatchObject({
          twoFactorConformant: true,
          settings: { maxTtlEnabled: true },
          permissions: { canTraverse: false, canCreateTeam: false },
        });
        const mine = await svc.listMyMemberships({ ...long });
        expect(mine.memberships.map((m) => m.organizationId)).toContain(org.id);
        expect(mine.included.teams.filter((t) => t.organizationId === org.id)).toEqual([]);
        expect((await svc.getMembership({ ...long, membershipId: bob.membershipId })).membership.id).toBe(
          bob.membershipId,
        );

        // An owner with such a token is refused too, and fixes the policy with a session.
        const aliceLong = { ...asUserToken(alice.userId, 90 * DAY), organization: org.name };
        expect(
          await failure(
            svc.setTokenTtlPolicies({ ...aliceLong, policies: [{ tokenType: 'user', maxTtlMs: 90 * DAY }] }),
          ),
        ).toMatchObject(EXCEEDED);
        await svc.setTokenTtlPolicies({
          ...asUser(alice.userId),
          organization: org.name,
          policies: [{ tokenType: 'user', maxTtlMs: 90 * DAY }],
        });
        expect((await svc.getOrganization(aliceLong)).organization.permissions.canUpdate).toBe(true);

        await svc.removeMembership({ ...long, membershipId: bob.membershipId });
        expect(
          await failure(svc.getOrganization({ ...asUser(bob.userId), organization: org.name })),
        ).toMatchObject({ code: 'ORGANIZATION.NOT_FOUND' });
      });
    });

    describe('deletion and rebuilds', () => {
      it('deleting an organization ends every membership in it', async () => {
        const alice = await user('alice');
        const org = await createOrg(alice, 'doomed');
        const bob = await joined(alice, org.name);
        expect(
          await failure(svc.deleteOrganization({ ...asUser(bob.userId), organization: org.name })),
        ).toMatchObject({
          code: 'ORGANIZATION.NOT_FOUND',
        });
        await svc.deleteOrganization({ ...asUser(alice.userId), organization: org.name });
        for (const who of [alice, bob]) {
          expect(
            (await svc.listMyMemberships({ ...asUser(who.userId) })).memberships.filter(
              (m) => m.organizationId === org.id,
            ),
          ).toEqual([]);
          expect(
            await failure(svc.getOrganization({ ...asUser(who.userId), organization: org.name })),
          ).toMatchObject({
            code: 'ORGANIZATION.NOT_FOUND',
          });
        }
        expect(
          await failure(svc.getTeam({ ...asUser(alice.userId), teamId: org.ownersTeamId })),
        ).toMatchObject({
          code: 'TEAM.NOT_FOUND',
        });
      });

      it('every stored organization event maps to its integration event; the user mirror stays private', async () => {
        const events = await allEvents(h);
        const types = new Set<string>();
        for (const event of events) {
          const published = publicMembershipEvent(event);
          if (event.stream.startsWith('organization-')) {
            expect(published).toBeDefined();
            types.add(published!.type);
            const data = published!.data as { organizationId: string; organizationName?: string };
            expect(`organization-${data.organizationId}`).toBe(event.stream);
            if ('organizationName' in data) expect(data.organizationName).toBeTruthy();
          } else expect(published).toBeUndefined();
        }
        expect([...types].sort()).toEqual(
          [
            'InvitationAccepted',
            'MemberInvited',
            'MembershipRemoved',
            'OrganizationCreated',
            'OrganizationDeleted',
            'OrganizationTokenTtlPoliciesSet',
            'OrganizationUpdated',
            'TeamCreated',
            'TeamDeleted',
            'TeamMembersAdded',
            'TeamMembersRemoved',
            'TeamUpdated',
          ].sort(),
        );
      });

      it('read models are disposable: applied twice nothing changes, dropped and replayed they come back the same', async () => {
        await h.runtime.runner.catchUp();
        const before = await snapshot(h);
        expect(before.memberships!.length).toBeGreaterThan(250);
        // Every event applied again: the guards ignore it.
        const stores = Object.fromEntries(
          await Promise.all(
            Object.entries(directoryProjection.readModels).map(async ([k, m]) => [
              k,
              await h.infra.readStores.open(m),
            ]),
          ),
        );
        for (const event of await allEvents(h))
          if (directoryProjection.handles.includes(event.type))
            await directoryProjection.apply(event, stores as never);
        expect(await snapshot(h)).toEqual(before);
        // Dropped, then rebuilt from the store.
        for (const store of Object.values(stores)) await (store as { drop(): Promise<void> }).drop();
        await h.runtime.runner.rebuild();
        expect(await snapshot(h)).toEqual(before);
      });
    });
  });

describeMembership('membership service, in-memory infrastructure', async () => ({
  infra: inMemoryInfrastructure(),
  close: async () => {},
}));

describeMembership('membership service, embedded configuration (PGlite, memory read models)', () =>
  configuredInfrastructure({ EVENT_STORE_URL: 'pglite://memory' }),
);

describeWithInfra(['postgres', 'mongo'], 'membership service on real stores', (infra) => {
  describeMembership('PostgreSQL event store, MongoDB read models', async () => {
    const database = await createPostgresDatabase(infra().postgres!, 'membership');
    const mongo = new URL(infra().mongo!);
    mongo.pathname = `/${uniqueName('membership')}`;
    const { infra: service, close } = await configuredInfrastructure({
      EVENT_STORE_URL: database.url,
      MONGO_URL: mongo.toString(),
    });
    return {
      infra: service,
      close: async () => {
        await close();
        await database.drop();
      },
    };
  });
});
