import type {
  EntitlementsView,
  ListMembershipsRequest,
  ListMyMembershipsRequest,
  ListOrganizationsRequest,
  ListTeamMembershipsRequest,
  ListTeamsRequest,
  MembershipIncluded,
  MembershipInclude,
  MembershipList,
  MembershipResult,
  MembershipView,
  OrganizationList,
  OrganizationResult,
  OrganizationView,
  Paged,
  TeamList,
  TeamResult,
  TeamView,
  TokenTtlPolicyList,
  UserOwnershipsView,
} from '@idp/contracts';
import { MEMBERSHIP_INCLUDES } from '@idp/contracts';
import type { Filter, ReadStore, Search } from '@idp/eventing';
import {
  ActorNotAllowed,
  MembershipNotFound,
  OrganizationNotFound,
  TeamNotFound,
} from '../domain/organization/errors';
import { lockOutOf } from '../domain/organization/lock-out';
import { checkMayManageTokenTtlPolicies, emailKey } from '../domain/organization/organization.decider';
import type { Actor, UserTokenLifetime } from '../domain/organization/organization.types';
import {
  type CallerFacts,
  canManageMembership,
  canSeeTeam,
  canView,
  unionAccess,
} from '../domain/organization/permissions';
import type {
  MembershipDocument,
  OrganizationDocument,
  TeamDocument,
  UserDocument,
} from './directory.projection';
import {
  entitlementsView,
  isTwoFactorRequired,
  lockOutPolicyOf,
  memberUserView,
  membershipView,
  organizationView,
  showsEmailOf,
  teamView,
} from './membership-views';

export interface DirectoryStores {
  organizations: ReadStore<OrganizationDocument>;
  teams: ReadStore<TeamDocument>;
  memberships: ReadStore<MembershipDocument>;
  users: ReadStore<UserDocument>;
}

type PageRequest = { number: number; size: number } | undefined;

const OUTSIDER: CallerFacts = { kind: 'outsider' };
const NOTHING_INCLUDED = (): MembershipIncluded => ({
  users: [],
  teams: [],
  organizations: [],
  memberships: [],
});

/** `skip`/`limit` of a page; everything when no page was asked for. */
const windowOf = (page: PageRequest) =>
  page ? { skip: (page.number - 1) * page.size, limit: page.size } : {};
const pageOf = <T>(items: readonly T[], page: PageRequest): T[] =>
  page ? items.slice((page.number - 1) * page.size, page.number * page.size) : [...items];
const paged = (total: number, page: PageRequest): Paged => ({ total, ...(page ? { page } : {}) });
const wants = (include: readonly MembershipInclude[] | undefined) => {
  const set = new Set(include ?? ['users', 'teams', 'organizations', 'memberships']);
  return (what: MembershipInclude) => set.has(what);
};
const byCreation = (a: MembershipDocument, b: MembershipDocument) =>
  a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
/** The user token a request presented (`meta.actor.userToken`), for the `user` token TTL policy. */
const userTokenOf = (actor: Actor | undefined): UserTokenLifetime | undefined =>
  actor?.kind === 'user' ? actor.userToken : undefined;
const statusCountsOf = (counts: Record<string, number>) => {
  const active = counts.active ?? 0;
  const invited = counts.invited ?? 0;
  return { total: active + invited, active, invited };
};

/** Who the caller is in one organization, and the documents that say so. */
interface Caller {
  facts: CallerFacts;
  /** The caller's own membership (users who are active members). */
  membership?: MembershipDocument;
}

/**
 * The read side: every query is answered from the read models, with authorization decided by the same pure rules
 * the decider uses (`permissions.ts`) on facts built from those read models. What the caller may not see is the
 * NOT_FOUND of what was asked. Paging happens here (`skip`/`limit` on the store where the store can filter
 * everything, in memory where visibility rules apply), and `total` always counts every match.
 */
export class MembershipQueries {
  constructor(private readonly stores: DirectoryStores) {}

  // ------------------------------------------------------------------------------------------- building blocks

  async organizationByName(name: string): Promise<OrganizationDocument | undefined> {
    const [org] = await this.stores.organizations.find({
      where: { nameLower: name.toLowerCase() },
      limit: 1,
    });
    return org;
  }

  /**
   * The organization named `name` if the actor may see it (`OrganizationNotFound` otherwise) and is not locked out
   * of it (`TwoFactorRequired`, `TokenTtlExceeded`: `lock-out.ts`).
   */
  async visibleOrganization(
    name: string,
    actor: Actor | undefined,
  ): Promise<{ org: OrganizationDocument } & Caller> {
    const org = actor ? await this.organizationByName(name) : undefined;
    if (!org) throw new OrganizationNotFound();
    const caller = await this.callerIn(org, actor);
    if (!canView(caller.facts)) throw new OrganizationNotFound();
    await this.checkLockOut(org, caller.facts, actor);
    return { org, ...caller };
  }

  /**
   * A member locked out of the organization — without 2FA where it is required (`TwoFactorRequired`), or through a
   * user token living longer than its `user` token TTL policy allows (`TokenTtlExceeded`), both 403 — by the same
   * rule the decider applies to commands (`lock-out.ts`).
   */
  private async checkLockOut(
    org: OrganizationDocument,
    facts: CallerFacts,
    actor: Actor | undefined,
  ): Promise<void> {
    const refusal = await this.lockOut(org, facts, actor);
    if (refusal) throw refusal;
  }

  private async lockedOut(org: OrganizationDocument, facts: CallerFacts, actor: Actor | undefined) {
    return (await this.lockOut(org, facts, actor)) !== undefined;
  }

  /** The member's 2FA comes from the users read model, read only when the 2FA policy is on. */
  private async lockOut(org: OrganizationDocument, facts: CallerFacts, actor: Actor | undefined) {
    if (facts.kind !== 'member') return undefined;
    const twoFactor = isTwoFactorRequired(org)
      ? (await this.stores.users.get(facts.userId))?.twoFactor
      : undefined;
    return lockOutOf(lockOutPolicyOf(org), facts, { twoFactor, userToken: userTokenOf(actor) });
  }

  async callerIn(org: OrganizationDocument, actor: Actor | undefined): Promise<Caller> {
    if (!actor) return { facts: OUTSIDER };
    switch (actor.kind) {
      case 'organization':
        return { facts: actor.organizationId === org.id ? { kind: 'organization-token' } : OUTSIDER };
      case 'team': {
        const team = await this.stores.teams.get(actor.teamId);
        if (!team || team.orgId !== org.id) return { facts: OUTSIDER };
        return {
          facts: {
            kind: 'team-token',
            teamId: team.id,
            isOwner: team.id === org.ownersTeamId,
            access: team.organizationAccess,
          },
        };
      }
      case 'system':
        return { facts: { kind: 'system' } };
      case 'user': {
        const [membership] = await this.stores.memberships.find({
          where: { orgId: org.id, userId: actor.userId, status: 'active' },
          limit: 1,
        });
        if (!membership) return { facts: OUTSIDER };
        return { facts: await this.memberFacts(org, membership), membership };
      }
    }
  }

  private async memberFacts(org: OrganizationDocument, m: MembershipDocument): Promise<CallerFacts> {
    const teamsOn = m.teamIds.length
      ? await this.stores.teams.find({ where: { id: { $in: m.teamIds }, orgId: org.id } })
      : [];
    return {
      kind: 'member',
      userId: m.userId!,
      membershipId: m.id,
      isOwner: m.teamIds.includes(org.ownersTeamId),
      access: unionAccess(teamsOn.map((t) => t.organizationAccess)),
      teamIds: new Set(m.teamIds),
    };
  }

  private teamsOf(orgId: string): Promise<TeamDocument[]> {
    return this.stores.teams.find({ where: { orgId }, sort: [['createdAt', 'asc']] });
  }

  /** Every membership on the listed teams, grouped by team. */
  private async membersOf(orgId: string, teamIds: readonly string[]) {
    const byTeam = new Map<string, MembershipDocument[]>(teamIds.map((id) => [id, []]));
    if (teamIds.length === 0) return byTeam;
    const docs = await this.stores.memberships.find({
      where: { orgId, teamIds: { $in: [...teamIds] } },
      sort: [['createdAt', 'asc']],
    });
    for (const doc of docs) for (const t of doc.teamIds) byTeam.get(t)?.push(doc);
    return byTeam;
  }

  private async teamViews(
    org: OrganizationDocument,
    facts: CallerFacts,
    teams: readonly TeamDocument[],
  ): Promise<TeamView[]> {
    const members = await this.membersOf(
      org.id,
      teams.map((t) => t.id),
    );
    return teams.map((t) => teamView(t, org, facts, members.get(t.id) ?? []));
  }

  private async userViews(facts: CallerFacts, userIds: Iterable<string>) {
    const ids = [...new Set(userIds)];
    if (!ids.length) return [];
    const users = await this.stores.users.find({ where: { id: { $in: ids } } });
    return users.map((u) => memberUserView(u, showsEmailOf(facts, u.id)));
  }

  private visibleTeamIds(facts: CallerFacts, teams: readonly TeamDocument[]) {
    const byId = new Map(teams.map((t) => [t.id, t]));
    return (ids: readonly string[]) =>
      ids.filter((id) => {
        const team = byId.get(id);
        return !!team && canSeeTeam(facts, { teamId: id, visibility: team.visibility });
      });
  }

  /** Memberships of one organization as views, with what the caller may have included. */
  private async membershipPage(
    org: OrganizationDocument,
    facts: CallerFacts,
    docs: readonly MembershipDocument[],
    include: readonly MembershipInclude[] | undefined,
  ): Promise<{ memberships: MembershipView[]; included: MembershipIncluded }> {
    const want = wants(include);
    const teams = await this.teamsOf(org.id);
    const visible = this.visibleTeamIds(facts, teams);
    const callerIsOwner = facts.kind === 'member' && facts.isOwner;
    const memberships = docs.map((m) => membershipView(m, org, { visibleTeamIds: visible, callerIsOwner }));
    const included = NOTHING_INCLUDED();
    if (want('users'))
      included.users = await this.userViews(
        facts,
        docs.flatMap((m) => (m.status === 'active' && m.userId ? [m.userId] : [])),
      );
    if (want('teams')) {
      const named = new Set(memberships.flatMap((m) => m.teamIds));
      included.teams = await this.teamViews(
        org,
        facts,
        teams.filter((t) => named.has(t.id)),
      );
    }
    return { memberships, included };
  }

  // --------------------------------------------------------------------------------------------- organizations

  /** The organizations the caller belongs to (active memberships); an organization or team token sees its own. */
  async listOrganizations(
    request: ListOrganizationsRequest,
    actor: Actor | undefined,
  ): Promise<OrganizationList> {
    let orgIds: string[] = [];
    let memberships = new Map<string, MembershipDocument>();
    if (actor?.kind === 'user') {
      const mine = await this.stores.memberships.find({ where: { userId: actor.userId, status: 'active' } });
      memberships = new Map(mine.map((m) => [m.orgId, m]));
      orgIds = [...memberships.keys()];
    } else if (actor?.kind === 'organization') orgIds = [actor.organizationId];
    else if (actor?.kind === 'team') {
      const team = await this.stores.teams.get(actor.teamId);
      if (team) orgIds = [team.orgId];
    }
    if (!orgIds.length) return { organizations: [], ...paged(0, request.page) };

    const search: Search<OrganizationDocument>[] = [];
    if (request.q?.trim()) search.push({ text: request.q, fields: ['name', 'email'] });
    else {
      if (request.qName?.trim()) search.push({ text: request.qName, fields: ['name'] });
      if (request.qEmail?.trim()) search.push({ text: request.qEmail, fields: ['email'] });
    }
    const filter: Filter<OrganizationDocument> = { where: { id: { $in: orgIds } }, search };
    const [total, orgs] = await Promise.all([
      this.stores.organizations.count(filter),
      this.stores.organizations.find({ ...filter, sort: [['nameLower', 'asc']], ...windowOf(request.page) }),
    ]);
    const caller = actor?.kind === 'user' ? await this.stores.users.get(actor.userId) : undefined;
    const organizations = await Promise.all(
      orgs.map(async (org) => {
        const m = memberships.get(org.id);
        const facts: CallerFacts = m
          ? await this.memberFacts(org, m)
          : (await this.callerIn(org, actor)).facts;
        return organizationView(org, facts, caller, userTokenOf(actor));
      }),
    );
    return { organizations, ...paged(total, request.page) };
  }

  async getOrganization(name: string, actor: Actor | undefined): Promise<OrganizationResult> {
    const { org, facts } = await this.visibleOrganization(name, actor);
    return { organization: await this.organizationViewFor(org, facts, actor) };
  }

  async organizationViewFor(
    org: OrganizationDocument,
    facts: CallerFacts,
    actor: Actor | undefined,
  ): Promise<OrganizationView> {
    const caller = actor?.kind === 'user' ? await this.stores.users.get(actor.userId) : undefined;
    return organizationView(org, facts, caller, userTokenOf(actor));
  }

  /**
   * The organization's token TTL policies (TFC-API §5.4), owners only: another member gets
   * `ORGANIZATION.OWNER_REQUIRED_FORBIDDEN` (403), anyone else the organization's 404
   * (`checkMayManageTokenTtlPolicies`).
   */
  async getTokenTtlPolicies(name: string, actor: Actor | undefined): Promise<TokenTtlPolicyList> {
    const { org, facts } = await this.visibleOrganization(name, actor);
    checkMayManageTokenTtlPolicies(facts);
    return { organizationId: org.id, organizationName: org.name, policies: org.tokenTtlPolicies ?? [] };
  }

  async getEntitlements(name: string, actor: Actor | undefined): Promise<EntitlementsView> {
    const { org } = await this.visibleOrganization(name, actor);
    return entitlementsView(org);
  }

  // ----------------------------------------------------------------------------------------------- memberships

  /**
   * An organization's memberships (TFC-API §7), for callers who may view its users (membership managers, owners,
   * the organization token); NOT_FOUND for anyone else. `q` matches username or e-mail (case-insensitive
   * substring), `emails` exact addresses (case-insensitive, OR); `statusCounts` covers the whole organization.
   */
  async listMemberships(request: ListMembershipsRequest, actor: Actor | undefined): Promise<MembershipList> {
    const { org, facts } = await this.visibleOrganization(request.organization, actor);
    if (!canManageMembership(facts)) throw new OrganizationNotFound();
    const where: Filter<MembershipDocument>['where'] = {
      orgId: org.id,
      ...(request.status ? { status: request.status } : {}),
      ...(request.emails?.length ? { emailLower: { $in: request.emails.map(emailKey) } } : {}),
    };
    const filter: Filter<MembershipDocument> = {
      where,
      ...(request.q?.trim() ? { search: { text: request.q, fields: ['username', 'email'] } } : {}),
    };
    const [total, docs, counts] = await Promise.all([
      this.stores.memberships.count(filter),
      this.stores.memberships.find({ ...filter, sort: [['createdAt', 'asc']], ...windowOf(request.page) }),
      this.stores.memberships.countBy('status', { where: { orgId: org.id } }),
    ]);
    const page = await this.membershipPage(org, facts, docs, request.include);
    return { ...page, ...paged(total, request.page), statusCounts: statusCountsOf(counts) };
  }

  /**
   * The caller's own memberships in every organization, and the pending invitations addressed to the caller's
   * confirmed e-mail (TFC-API §7 `GET /organization-memberships`). `isOwner` tells whether the caller owns each
   * organization; `statusCounts` count the caller's memberships.
   */
  async listMyMemberships(
    request: ListMyMembershipsRequest,
    actor: Actor | undefined,
  ): Promise<MembershipList> {
    if (actor?.kind === 'organization' || actor?.kind === 'team')
      throw new ActorNotAllowed(`an ${actor.kind} token has no memberships of its own`);
    const empty: MembershipList = {
      memberships: [],
      ...paged(0, request.page),
      statusCounts: { total: 0, active: 0, invited: 0 },
      included: NOTHING_INCLUDED(),
    };
    if (actor?.kind !== 'user') return empty;
    const user = await this.stores.users.get(actor.userId);
    const [own, invitations] = await Promise.all([
      this.stores.memberships.find({ where: { userId: actor.userId } }),
      user?.emailConfirmed
        ? this.stores.memberships.find({ where: { emailLower: user.emailLower, status: 'invited' } })
        : Promise.resolve([]),
    ]);
    const all = [...own, ...invitations].sort(byCreation);
    const docs = pageOf(all, request.page);
    const orgs = new Map(
      (
        await this.stores.organizations.find({
          where: { id: { $in: [...new Set(docs.map((d) => d.orgId))] } },
        })
      ).map((o) => [o.id, o]),
    );
    const want = wants(request.include);
    const memberships: MembershipView[] = [];
    const included = NOTHING_INCLUDED();
    const teamsByOrg = new Map<string, TeamDocument[]>();
    for (const doc of docs) {
      const org = orgs.get(doc.orgId);
      if (!org) continue;
      const facts =
        doc.status === 'active' && doc.userId === actor.userId ? await this.memberFacts(org, doc) : OUTSIDER;
      const teams = teamsByOrg.get(org.id) ?? (await this.teamsOf(org.id));
      teamsByOrg.set(org.id, teams);
      const member = facts.kind === 'member';
      memberships.push(
        membershipView(doc, org, {
          // The invitee sees the teams the invitation puts them on; a member the teams they may see.
          visibleTeamIds: member
            ? this.visibleTeamIds(facts, teams)
            : (ids) => ids.filter((id) => teams.some((t) => t.id === id)),
          callerIsOwner: member && facts.isOwner,
        }),
      );
      if (want('organizations') && member)
        included.organizations.push(organizationView(org, facts, user, userTokenOf(actor)));
      // A locked-out member (2FA policy, user token TTL policy) sees their membership and the organization (to see
      // why), not its teams.
      const lockedOut =
        lockOutOf(lockOutPolicyOf(org), facts, {
          twoFactor: user?.twoFactor,
          userToken: userTokenOf(actor),
        }) !== undefined;
      if (want('teams') && member && !lockedOut)
        included.teams.push(
          ...(await this.teamViews(
            org,
            facts,
            teams.filter(
              (t) =>
                doc.teamIds.includes(t.id) && canSeeTeam(facts, { teamId: t.id, visibility: t.visibility }),
            ),
          )),
        );
    }
    if (want('users') && user && own.some((m) => m.status === 'active'))
      included.users = [memberUserView(user, true)];
    const active = all.filter((m) => m.status === 'active').length;
    return {
      memberships,
      ...paged(all.length, request.page),
      statusCounts: { total: all.length, active, invited: all.length - active },
      included,
    };
  }

  /**
   * One membership: for membership managers of its organization, and for the member (or invitee, by confirmed
   * e-mail) themselves. `MembershipNotFound` for anyone else.
   */
  async getMembership(
    membershipId: string,
    actor: Actor | undefined,
    include?: readonly MembershipInclude[],
  ): Promise<MembershipResult> {
    const doc = actor ? await this.stores.memberships.get(membershipId) : undefined;
    const org = doc ? await this.stores.organizations.get(doc.orgId) : undefined;
    if (!doc || !org) throw new MembershipNotFound();
    const { facts } = await this.callerIn(org, actor);
    // Their own membership stays visible to a locked-out member (2FA or token TTL policy), without the organization's
    // teams, as in their list; anyone else's does not.
    let wanted = include;
    if (!(await this.isOwnMembership(doc, actor))) {
      if (!canManageMembership(facts)) throw new MembershipNotFound();
      await this.checkLockOut(org, facts, actor);
    } else if (await this.lockedOut(org, facts, actor))
      wanted = (include ?? MEMBERSHIP_INCLUDES).filter((what) => what !== 'teams');
    const page = await this.membershipPage(org, facts, [doc], wanted);
    return { membership: page.memberships[0]!, included: page.included };
  }

  private async isOwnMembership(doc: MembershipDocument, actor: Actor | undefined): Promise<boolean> {
    if (actor?.kind !== 'user') return false;
    if (doc.userId !== null) return doc.userId === actor.userId;
    const user = await this.stores.users.get(actor.userId);
    return !!user?.emailConfirmed && user.emailLower === doc.emailLower;
  }

  // ----------------------------------------------------------------------------------------------------- teams

  /** Teams the caller may see (TFC-API §8.2): `q` is a case-insensitive substring of the name, `names` exact. */
  async listTeams(request: ListTeamsRequest, actor: Actor | undefined): Promise<TeamList> {
    const { org, facts } = await this.visibleOrganization(request.organization, actor);
    const teams = await this.stores.teams.find({
      where: {
        orgId: org.id,
        ...(request.names?.length ? { nameLower: { $in: request.names.map((n) => n.toLowerCase()) } } : {}),
      },
      ...(request.q?.trim() ? { search: { text: request.q, fields: ['name'] } } : {}),
      sort: [['nameLower', 'asc']],
    });
    const visible = teams.filter((t) => canSeeTeam(facts, { teamId: t.id, visibility: t.visibility }));
    const page = pageOf(visible, request.page);
    const views = await this.teamViews(org, facts, page);
    return {
      teams: views,
      ...paged(visible.length, request.page),
      included: await this.teamIncluded(org, facts, views, request.include),
    };
  }

  /** A team the caller may see; `TeamNotFound` otherwise. */
  async visibleTeam(
    teamId: string,
    actor: Actor | undefined,
  ): Promise<{ team: TeamDocument; org: OrganizationDocument } & Caller> {
    const team = actor ? await this.stores.teams.get(teamId) : undefined;
    const org = team ? await this.stores.organizations.get(team.orgId) : undefined;
    if (!team || !org) throw new TeamNotFound();
    const caller = await this.callerIn(org, actor);
    if (canView(caller.facts)) await this.checkLockOut(org, caller.facts, actor);
    if (!canSeeTeam(caller.facts, { teamId: team.id, visibility: team.visibility })) throw new TeamNotFound();
    return { team, org, ...caller };
  }

  async getTeam(
    teamId: string,
    actor: Actor | undefined,
    include?: readonly MembershipInclude[],
  ): Promise<TeamResult> {
    const { team, org, facts } = await this.visibleTeam(teamId, actor);
    const [view] = await this.teamViews(org, facts, [team]);
    return { team: view!, included: await this.teamIncluded(org, facts, [view!], include) };
  }

  /** A team's users (e-mail for managers only) and, for managers, its memberships. */
  private async teamIncluded(
    org: OrganizationDocument,
    facts: CallerFacts,
    views: readonly TeamView[],
    include: readonly MembershipInclude[] | undefined,
  ): Promise<MembershipIncluded> {
    const want = wants(include);
    const included = NOTHING_INCLUDED();
    if (want('users'))
      included.users = await this.userViews(
        facts,
        views.flatMap((v) => v.userIds),
      );
    if (want('memberships') && canManageMembership(facts)) {
      const ids = [...new Set(views.flatMap((v) => v.membershipIds))];
      const docs = ids.length
        ? await this.stores.memberships.find({ where: { id: { $in: ids } }, sort: [['createdAt', 'asc']] })
        : [];
      included.memberships = (await this.membershipPage(org, facts, docs, [])).memberships;
    }
    return included;
  }

  /** A team's memberships (TFC-API §9 `GET …/relationships/organization-memberships`), for membership managers. */
  async listTeamMemberships(
    request: ListTeamMembershipsRequest,
    actor: Actor | undefined,
  ): Promise<MembershipList> {
    const { team, org, facts } = await this.visibleTeam(request.teamId, actor);
    if (!canManageMembership(facts)) throw new TeamNotFound();
    const filter: Filter<MembershipDocument> = {
      where: { orgId: org.id, teamIds: team.id, ...(request.status ? { status: request.status } : {}) },
    };
    const [total, docs, counts] = await Promise.all([
      this.stores.memberships.count(filter),
      this.stores.memberships.find({ ...filter, sort: [['createdAt', 'asc']], ...windowOf(request.page) }),
      this.stores.memberships.countBy('status', { where: { orgId: org.id, teamIds: team.id } }),
    ]);
    const page = await this.membershipPage(org, facts, docs, request.include);
    return { ...page, ...paged(total, request.page), statusCounts: statusCountsOf(counts) };
  }

  // ------------------------------------------------------------------------------------------------ ownerships

  /**
   * The organizations whose owners team has `userId` as an active member (`membership.user-ownerships`), sorted by
   * name: `soleOwner` when no other active member is on the owners team, `twoFactorRequired` when the organization
   * requires 2FA. Only for the `system` actor (the service decides that; this is the read).
   */
  async userOwnerships(userId: string): Promise<UserOwnershipsView> {
    const mine = await this.stores.memberships.find({ where: { userId, status: 'active' } });
    if (!mine.length) return { organizations: [] };
    const teamsByOrg = new Map(mine.map((m) => [m.orgId, m.teamIds]));
    const orgs = await this.stores.organizations.find({
      where: { id: { $in: [...teamsByOrg.keys()] } },
      sort: [['nameLower', 'asc']],
    });
    const owned = orgs.filter((o) => teamsByOrg.get(o.id)?.includes(o.ownersTeamId));
    const organizations = await Promise.all(
      owned.map(async (org) => {
        const owners = await this.stores.memberships.count({
          where: { orgId: org.id, teamIds: org.ownersTeamId, status: 'active' },
        });
        return {
          id: org.id,
          name: org.name,
          soleOwner: owners <= 1,
          twoFactorRequired: org.settings.collaboratorAuthPolicy === 'two_factor_mandatory',
        };
      }),
    );
    return { organizations };
  }

  // ------------------------------------------------------------------------------------------------- lookups

  async userByUsernameOrId(value: string): Promise<UserDocument | undefined> {
    const [byName] = await this.stores.users.find({
      where: { usernameLower: value.toLowerCase() },
      limit: 1,
    });
    return byName ?? (await this.stores.users.get(value));
  }

  async confirmedUserByEmail(email: string): Promise<UserDocument | undefined> {
    const [user] = await this.stores.users.find({
      where: { emailLower: emailKey(email), emailConfirmed: true },
      limit: 1,
    });
    return user;
  }

  async accountExists(email: string): Promise<boolean> {
    return (await this.stores.users.count({ where: { emailLower: emailKey(email) } })) > 0;
  }

  membership(membershipId: string): Promise<MembershipDocument | undefined> {
    return this.stores.memberships.get(membershipId);
  }

  team(teamId: string): Promise<TeamDocument | undefined> {
    return this.stores.teams.get(teamId);
  }

  memberships(where: Filter<MembershipDocument>['where']): Promise<MembershipDocument[]> {
    return this.stores.memberships.find({ where });
  }
}
