import type {
  CreateOrganizationRequest,
  CreateTeamRequest,
  Done,
  EntitlementsView,
  InvitationRequest,
  InvitationView,
  InviteRequest,
  ListMembershipsRequest,
  ListMyMembershipsRequest,
  ListOrganizationsRequest,
  ListTeamMembershipsRequest,
  ListTeamsRequest,
  MembershipList,
  MembershipRequest,
  MembershipResult,
  OrganizationList,
  OrganizationRequest,
  OrganizationResult,
  OrganizationSettings,
  SetTokenTtlPoliciesRequest,
  TeamList,
  TeamMembersRequest,
  TeamRequest,
  TeamResult,
  TokenTtlPolicyList,
  UpdateOrganizationRequest,
  UpdateTeamRequest,
  UserOwnershipsRequest,
  UserOwnershipsView,
} from '@idp/contracts';
import { MEMBERSHIP_SEAL_CONTEXT } from '@idp/contracts';
import {
  type Clock,
  DomainError,
  type EventMetadata,
  type EventStore,
  fold,
  handleCommand,
  normaliseUniqueValue,
  prefixedId,
  type ProjectionRunner,
  type SecretBox,
  type StateCache,
  type UniquenessGuard,
  ValueAlreadyClaimed,
} from '@idp/eventing';
import {
  ActorNotAllowed,
  InvalidTeamMembers,
  InvitationNotFound,
  MembershipNotFound,
  OrganizationNotFound,
  TeamNotFound,
} from '../domain/organization/errors';
import {
  activeOwnerIds,
  emailKey,
  findInvitation,
  isLive,
  normalizeOrganizationName,
} from '../domain/organization/organization.decider';
import {
  type Actor,
  INVITATION_TTL_MS,
  type OrganizationCommand,
  type OrganizationState,
  organizationStream,
} from '../domain/organization/organization.types';
import { actorOf, metadataOf, SYSTEM_ACTOR } from './actor';
import { newInvitationToken, parseInvitationToken } from './invitation-token';
import type { MembershipQueries } from './membership.queries';
import { stampedOrganizationDecider } from './organization-context';
import { UserNotYetKnown } from './request-errors';
import type { MirroredUser, UserMirror } from './user-mirror';

/** The uniqueness scope of organization names (reservation streams `unique-organization-<name>`). */
export const ORGANIZATION_NAME_SCOPE = 'organization';

/** Settings of a new organization where the request leaves them out (TFC-API §6.1 defaults). */
export const DEFAULT_ORGANIZATION_SETTINGS: OrganizationSettings = {
  sessionTimeout: 20160,
  sessionRemember: 20160,
  collaboratorAuthPolicy: 'password',
  ownersTeamSamlRoleId: null,
  costEstimationEnabled: false,
  sendPassingStatusesForUntriggeredSpeculativePlans: false,
  aggregatedCommitStatusEnabled: false,
  speculativePlanManagementEnabled: true,
  assessmentsEnforced: false,
  allowForceDeleteWorkspaces: false,
  defaultExecutionMode: 'remote',
  stacksEnabled: false,
  userTokensEnabled: true,
  // Kept for the settings shape only: views show `maxTtlEnabled` true while any token TTL policy exists (ADR 012),
  // whatever is stored here.
  maxTtlEnabled: false,
};

export interface MembershipLogger {
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

export interface MembershipServiceDeps {
  events: EventStore;
  /** The directory projection's runner: every write waits for it before answering (read-your-writes). */
  runner: Pick<ProjectionRunner, 'catchUp'>;
  queries: MembershipQueries;
  guard: UniquenessGuard;
  mirror: UserMirror;
  secretBox: SecretBox;
  clock: Clock;
  /** `handleCommand`'s state cache for organization streams (one per process). */
  cache?: StateCache;
  logger?: MembershipLogger;
  ids?: { organization(): string; team(): string; membership(): string };
  /** The secret part of invitation tokens (default: 256 random bits). */
  newSecret?: () => string;
  /** How long a write waits for the caller's account to arrive from `identity.events`. Default 5 s. */
  userWaitMs?: number;
}

const defaultIds = {
  organization: () => prefixedId('org'),
  team: () => prefixedId('team'),
  membership: () => prefixedId('ou'),
};

type Command = OrganizationCommand & { metadata?: EventMetadata };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The membership service's use cases, one method per `MEMBERSHIP` pattern, plus the process manager's two
 * reactions. Plain application code (no framework); `MembershipHandlers` only parses requests and maps errors.
 *
 * Writes resolve the facts the decider needs (the organization id behind a name, from the name reservation — a
 * strongly consistent lookup; usernames, confirmed e-mails and 2FA from the user mirror), run the command on the
 * organization's stream through `handleCommand` (optimistic concurrency, retried on a conflict), then wait for the
 * directory projection before answering, so the reply and every later read see the write. Reads are
 * `MembershipQueries`.
 */
export class MembershipService {
  private readonly ids: NonNullable<MembershipServiceDeps['ids']>;

  constructor(private readonly deps: MembershipServiceDeps) {
    this.ids = deps.ids ?? defaultIds;
  }

  // --------------------------------------------------------------------------------------------- organizations

  /**
   * Creates an organization; the caller becomes the first member of its `owners` team. The name is reserved
   * first (case-insensitively, `UNIQUENESS.ORGANIZATION_TAKEN`), released again if the command fails. A
   * reservation left behind by a deleted organization is reclaimed.
   */
  async createOrganization(request: CreateOrganizationRequest): Promise<OrganizationResult> {
    const actor = actorOf(request.meta);
    if (actor?.kind !== 'user') throw new ActorNotAllowed('Only users can create organizations');
    const user = await this.knownUser(actor.userId);
    const organizationId = this.ids.organization();
    const command: Command = {
      type: 'CreateOrganization',
      data: {
        actor,
        organizationId,
        name: request.name,
        email: request.email,
        settings: { ...DEFAULT_ORGANIZATION_SETTINGS, ...definedOnly(request.settings) },
        ownersTeamId: this.ids.team(),
        membershipId: this.ids.membership(),
        userEmail: user.email,
        creatorTwoFactor: user.twoFactor,
        now: this.now(),
      },
      metadata: metadataOf(request.meta),
    };
    // `decide` is pure: a dry run on the empty state refuses a bad name or e-mail before anything is reserved.
    stampedOrganizationDecider.decide(command, stampedOrganizationDecider.initialState());
    const name = normalizeOrganizationName(request.name);
    await this.claimName(name, organizationId);
    try {
      await this.execute(organizationId, command);
    } catch (err) {
      await this.releaseName(name, organizationId);
      throw err;
    }
    await this.deps.runner.catchUp();
    return this.deps.queries.getOrganization(name, actor);
  }

  listOrganizations(request: ListOrganizationsRequest): Promise<OrganizationList> {
    return this.deps.queries.listOrganizations(request, actorOf(request.meta));
  }

  getOrganization(request: OrganizationRequest): Promise<OrganizationResult> {
    return this.deps.queries.getOrganization(request.organization, actorOf(request.meta));
  }

  getEntitlements(request: OrganizationRequest): Promise<EntitlementsView> {
    return this.deps.queries.getEntitlements(request.organization, actorOf(request.meta));
  }

  /**
   * Updates settings, e-mail or name (owners only). A rename reserves the new name before the command and frees
   * the old one after it (`rename`), so the organization never holds neither; a refused command frees the new one.
   * `two_factor_mandatory` is decided on the 2FA of every current owner, from the user mirror.
   */
  async updateOrganization(request: UpdateOrganizationRequest): Promise<OrganizationResult> {
    const actor = await this.withTwoFactor(actorOf(request.meta)); // the dry run below judges the 2FA policy too
    const organizationId = await this.organizationIdOf(request.organization, actor);
    const state = await this.loadOrganization(organizationId);
    const ownersTwoFactor: Record<string, boolean> = {};
    if (isLive(state))
      for (const userId of activeOwnerIds(state))
        ownersTwoFactor[userId] = (await this.deps.mirror.get(userId))?.twoFactor === true;
    const command: Command = {
      type: 'UpdateOrganization',
      data: {
        actor: actor!,
        ...(request.name !== undefined ? { name: request.name } : {}),
        ...(request.email !== undefined ? { email: request.email } : {}),
        ...(request.settings ? { settings: definedOnly(request.settings) } : {}),
        ownersTwoFactor,
      },
      metadata: metadataOf(request.meta),
    };
    // A dry run on the state just read: a caller who may not update (or a bad value) is refused before any name
    // is reserved, so a rename attempt never tells an outsider whether a name is taken.
    stampedOrganizationDecider.decide(command, state);
    const from = isLive(state) ? state.name : request.organization;
    let to: string | undefined;
    if (request.name !== undefined && isLive(state)) {
      to = normalizeOrganizationName(request.name);
      if (normaliseUniqueValue(to) === normaliseUniqueValue(from)) to = undefined;
      else await this.deps.guard.claim(ORGANIZATION_NAME_SCOPE, to, organizationId);
    }
    let result;
    try {
      result = await this.execute(organizationId, command);
    } catch (err) {
      if (to) await this.releaseName(to, organizationId);
      throw err;
    }
    const after = result.state;
    if (to && isLive(after) && after.name === to)
      await this.deps.guard.rename(ORGANIZATION_NAME_SCOPE, from, to, organizationId);
    else if (to) await this.releaseName(to, organizationId); // renamed meanwhile, or nothing changed
    await this.deps.runner.catchUp();
    return this.deps.queries.getOrganization(isLive(after) ? after.name : from, actor);
  }

  /** Deletes the organization (owners only); its name is free again afterwards. */
  async deleteOrganization(request: OrganizationRequest): Promise<Done> {
    const actor = actorOf(request.meta);
    const organizationId = await this.organizationIdOf(request.organization, actor);
    const result = await this.execute(organizationId, {
      type: 'DeleteOrganization',
      data: { actor: actor! },
      metadata: metadataOf(request.meta),
    });
    if (result.state.status === 'deleted') await this.releaseName(result.state.name, organizationId);
    await this.deps.runner.catchUp();
    return { ok: true };
  }

  getTokenTtlPolicies(request: OrganizationRequest): Promise<TokenTtlPolicyList> {
    return this.deps.queries.getTokenTtlPolicies(request.organization, actorOf(request.meta));
  }

  /**
   * Sets the listed token types' maximum TTLs (TFC-API §5.4, ADR 012; owners only, see
   * `checkMayManageTokenTtlPolicies`); the types not listed keep theirs. Answers the whole set, from the state the
   * command produced.
   */
  async setTokenTtlPolicies(request: SetTokenTtlPoliciesRequest): Promise<TokenTtlPolicyList> {
    const actor = actorOf(request.meta);
    const organizationId = await this.organizationIdOf(request.organization, actor);
    const { state } = await this.execute(organizationId, {
      type: 'SetTokenTtlPolicies',
      data: { actor: actor!, policies: request.policies, now: this.now() },
      metadata: metadataOf(request.meta),
    });
    if (!isLive(state)) throw new OrganizationNotFound();
    await this.deps.runner.catchUp();
    return { organizationId, organizationName: state.name, policies: [...state.tokenTtlPolicies] };
  }

  // ----------------------------------------------------------------------------------------------- memberships

  /**
   * Invites an e-mail address (or refreshes its pending invitation: new token, new expiry, the teams added). The
   * token `<organizationId>.<secret>` is made here: the stream keeps SHA-256 of the secret, the notification
   * service gets the whole token sealed in `MemberInvited`.
   */
  async invite(request: InviteRequest): Promise<MembershipResult> {
    const actor = actorOf(request.meta);
    const organizationId = await this.organizationIdOf(request.organization, actor);
    await this.deps.runner.catchUp(); // the user mirror as recorded by any replica
    const existing = await this.deps.queries.confirmedUserByEmail(request.email);
    const invitedBy =
      actor?.kind === 'user' ? ((await this.deps.mirror.get(actor.userId))?.username ?? null) : null;
    const { token, tokenHash } = newInvitationToken(organizationId, this.deps.newSecret);
    const now = this.deps.clock.now();
    const result = await this.execute(organizationId, {
      type: 'Invite',
      data: {
        actor: actor!,
        membershipId: this.ids.membership(),
        email: request.email,
        teamIds: request.teamIds ?? [],
        invitedBy,
        tokenHash,
        sealedToken: this.deps.secretBox.seal(token, MEMBERSHIP_SEAL_CONTEXT.invitation),
        existingUserId: existing?.id ?? null,
        expiresAt: new Date(now.getTime() + INVITATION_TTL_MS).toISOString(),
        now: now.toISOString(),
      },
      metadata: metadataOf(request.meta),
    });
    const invited = result.events.find((e) => e.type === 'MemberInvited');
    if (!invited || invited.type !== 'MemberInvited') throw new MembershipNotFound();
    await this.deps.runner.catchUp();
    return this.deps.queries.getMembership(invited.data.membershipId, actor);
  }

  listMemberships(request: ListMembershipsRequest): Promise<MembershipList> {
    return this.deps.queries.listMemberships(request, actorOf(request.meta));
  }

  listMyMemberships(request: ListMyMembershipsRequest): Promise<MembershipList> {
    return this.deps.queries.listMyMemberships(request, actorOf(request.meta));
  }

  getMembership(request: MembershipRequest): Promise<MembershipResult> {
    return this.deps.queries.getMembership(request.membershipId, actorOf(request.meta), request.include);
  }

  /**
   * Removes a membership: leaving (the caller's own; refused for the last owner), removing a member, or cancelling
   * an invitation. Whatever the caller may not act on is `MembershipNotFound`.
   */
  async removeMembership(request: MembershipRequest): Promise<Done> {
    const actor = actorOf(request.meta);
    const doc = actor
      ? await this.lookup(() => this.deps.queries.membership(request.membershipId))
      : undefined;
    if (!doc) throw new MembershipNotFound();
    await this.execute(
      doc.orgId,
      {
        type: 'RemoveMembership',
        data: { actor: actor!, membershipId: request.membershipId },
        metadata: metadataOf(request.meta),
      },
      MembershipNotFound,
    );
    await this.deps.runner.catchUp();
    return { ok: true };
  }

  // ----------------------------------------------------------------------------------------------------- teams

  async createTeam(request: CreateTeamRequest): Promise<TeamResult> {
    const actor = actorOf(request.meta);
    const organizationId = await this.organizationIdOf(request.organization, actor);
    const teamId = this.ids.team();
    await this.execute(organizationId, {
      type: 'CreateTeam',
      data: {
        actor: actor!,
        teamId,
        name: request.name,
        ...(request.visibility !== undefined ? { visibility: request.visibility } : {}),
        ...(request.ssoTeamId !== undefined ? { ssoTeamId: request.ssoTeamId } : {}),
        ...(request.allowMemberTokenManagement !== undefined
          ? { allowMemberTokenManagement: request.allowMemberTokenManagement }
          : {}),
        ...(request.organizationAccess ? { organizationAccess: request.organizationAccess } : {}),
        now: this.now(),
      },
      metadata: metadataOf(request.meta),
    });
    await this.deps.runner.catchUp();
    return this.deps.queries.getTeam(teamId, actor);
  }

  listTeams(request: ListTeamsRequest): Promise<TeamList> {
    return this.deps.queries.listTeams(request, actorOf(request.meta));
  }

  getTeam(request: TeamRequest): Promise<TeamResult> {
    return this.deps.queries.getTeam(request.teamId, actorOf(request.meta), request.include);
  }

  async updateTeam(request: UpdateTeamRequest): Promise<TeamResult> {
    const actor = actorOf(request.meta);
    const orgId = await this.teamOrganization(request.teamId, actor);
    await this.execute(
      orgId,
      {
        type: 'UpdateTeam',
        data: {
          actor: actor!,
          teamId: request.teamId,
          ...(request.name !== undefined ? { name: request.name } : {}),
          ...(request.visibility !== undefined ? { visibility: request.visibility } : {}),
          ...(request.ssoTeamId !== undefined ? { ssoTeamId: request.ssoTeamId } : {}),
          ...(request.allowMemberTokenManagement !== undefined
            ? { allowMemberTokenManagement: request.allowMemberTokenManagement }
            : {}),
          ...(request.organizationAccess ? { organizationAccess: request.organizationAccess } : {}),
        },
        metadata: metadataOf(request.meta),
      },
      TeamNotFound,
    );
    await this.deps.runner.catchUp();
    return this.deps.queries.getTeam(request.teamId, actor);
  }

  async deleteTeam(request: TeamRequest): Promise<Done> {
    const actor = actorOf(request.meta);
    const orgId = await this.teamOrganization(request.teamId, actor);
    await this.execute(
      orgId,
      {
        type: 'DeleteTeam',
        data: { actor: actor!, teamId: request.teamId },
        metadata: metadataOf(request.meta),
      },
      TeamNotFound,
    );
    await this.deps.runner.catchUp();
    return { ok: true };
  }

  addTeamMembers(request: TeamMembersRequest): Promise<Done> {
    return this.changeTeamMembers('AddTeamMembers', request);
  }

  removeTeamMembers(request: TeamMembersRequest): Promise<Done> {
    return this.changeTeamMembers('RemoveTeamMembers', request);
  }

  listTeamMemberships(request: ListTeamMembershipsRequest): Promise<MembershipList> {
    return this.deps.queries.listTeamMemberships(request, actorOf(request.meta));
  }

  /**
   * TFC's `users` variant names users by username (user ids accepted too); the `organization-memberships` variant
   * by membership id (pending invitations included). An unknown username is a 400, like any other bad member.
   */
  private async changeTeamMembers(
    type: 'AddTeamMembers' | 'RemoveTeamMembers',
    request: TeamMembersRequest,
  ): Promise<Done> {
    const actor = actorOf(request.meta);
    const orgId = await this.teamOrganization(request.teamId, actor);
    if ((request.usernames === undefined) === (request.membershipIds === undefined))
      throw new InvalidTeamMembers('Give either users or organization memberships');
    let userIds: string[] | undefined;
    if (request.usernames) {
      userIds = [];
      for (const name of request.usernames) {
        const user = await this.lookup(() => this.deps.queries.userByUsernameOrId(name));
        if (!user) throw new InvalidTeamMembers(`${name} is not a user of this organization`);
        userIds.push(user.id);
      }
    }
    await this.execute(
      orgId,
      {
        type,
        data: {
          actor: actor!,
          teamId: request.teamId,
          ...(userIds ? { userIds } : { membershipIds: request.membershipIds! }),
        },
        metadata: metadataOf(request.meta),
      },
      TeamNotFound,
    );
    await this.deps.runner.catchUp();
    return { ok: true };
  }

  // ----------------------------------------------------------------------------------------------- invitations

  /**
   * The invitation a token names (public: no actor needed), decided on the organization's stream so a just-sent
   * invitation is found at once. Unknown, expired, cancelled or accepted: `InvitationNotFound`.
   */
  async getInvitation(request: InvitationRequest): Promise<InvitationView> {
    const parsed = parseInvitationToken(request.token);
    if (!parsed) throw new InvitationNotFound();
    const state = await this.loadOrganization(parsed.organizationId);
    if (!isLive(state)) throw new InvitationNotFound();
    const membership = findInvitation(state, parsed.tokenHash, this.now());
    if (!membership?.invitation) throw new InvitationNotFound();
    return {
      organizationName: state.name,
      email: membership.email,
      invitedBy: membership.invitation.invitedBy,
      expiresAt: membership.invitation.expiresAt,
      accountExists: await this.deps.queries.accountExists(membership.email),
      isOrgTwoFactorRequired: state.settings.collaboratorAuthPolicy === 'two_factor_mandatory',
    };
  }

  /**
   * Accepts an invitation with an existing account (TFC-API §15): the caller's CONFIRMED e-mail, as the user
   * mirror knows it, must be the invited one. An account whose e-mail is unconfirmed, or not yet known here, is
   * answered `InvitationEmailMismatch` (403: confirm the address, then accept) — never a membership for an address
   * nobody proved to own. A token that names nothing is `InvitationNotFound`.
   */
  async acceptInvitation(request: InvitationRequest): Promise<MembershipResult> {
    const actor = actorOf(request.meta);
    const parsed = parseInvitationToken(request.token);
    if (!parsed || !actor) throw new InvitationNotFound();
    if (actor.kind !== 'user') throw new ActorNotAllowed('An invitation is accepted by the invited user');
    const state = await this.loadOrganization(parsed.organizationId);
    const pending = isLive(state) ? findInvitation(state, parsed.tokenHash, this.now()) : undefined;
    if (!pending) throw new InvitationNotFound();
    const user = await this.confirmedUser(actor.userId, pending.emailLower);
    const result = await this.execute(
      parsed.organizationId,
      {
        type: 'AcceptInvitation',
        data: {
          actor,
          via: 'link',
          tokenHash: parsed.tokenHash,
          userId: actor.userId,
          userEmail: user?.emailConfirmed ? user.email : '',
          now: this.now(),
        },
        metadata: metadataOf(request.meta),
      },
      InvitationNotFound,
    );
    const accepted = result.events.find((e) => e.type === 'InvitationAccepted');
    if (!accepted || accepted.type !== 'InvitationAccepted') throw new InvitationNotFound();
    await this.deps.runner.catchUp();
    return this.deps.queries.getMembership(accepted.data.membershipId, actor);
  }

  // ------------------------------------------------------------------------------------------------ ownerships

  /**
   * The organizations the user owns (`membership.user-ownerships`), for the `system` actor only (the gateway asks
   * on behalf of site administration and of identity's 2FA disabling); anyone else gets `OrganizationNotFound`, as
   * for any organization they may not see. The read models are caught up first, so an ownership another replica
   * has just recorded counts.
   */
  async userOwnerships(request: UserOwnershipsRequest): Promise<UserOwnershipsView> {
    if (request.meta.actor?.kind !== 'system') throw new OrganizationNotFound();
    await this.deps.runner.catchUp();
    return this.deps.queries.userOwnerships(request.userId);
  }

  // ------------------------------------------------------------------------------------------ process manager

  /**
   * `TwoFactorDisabled` (after the mirror recorded it): identity refuses a user's own disabling while they own an
   * organization that requires 2FA, but a site admin may reset anyone's. Such an owner is locked out like any member
   * until they enable 2FA again (nothing is changed here: relaxing the policy on their behalf would weaken it); this
   * only leaves a warning for operators. Returns the organizations concerned.
   */
  async noteTwoFactorDisabled(userId: string): Promise<string[]> {
    await this.deps.runner.catchUp();
    const { organizations } = await this.deps.queries.userOwnerships(userId);
    const names = organizations.filter((o) => o.twoFactorRequired).map((o) => o.name);
    if (names.length)
      this.deps.logger?.warn(
        'membership: an owner of organizations that require two-factor authentication has it disabled; ' +
          'they are locked out of them until they enable it again',
        { userId, organizations: names },
      );
    return names;
  }

  /**
   * `AccountRegistered` with an invitation (identity checked the token and the e-mail): the invitation is accepted
   * for the new account. Idempotent: a redelivery finds it accepted and appends nothing. A refusal (the invitation
   * was cancelled or refreshed meanwhile) is logged, not retried: the account exists either way.
   */
  async acceptBySignUp(
    input: { organizationId: string; membershipId: string; userId: string; email: string; at: string },
    metadata: EventMetadata,
  ): Promise<boolean> {
    try {
      const result = await this.execute(input.organizationId, {
        type: 'AcceptInvitation',
        data: {
          actor: SYSTEM_ACTOR,
          via: 'sign-up',
          membershipId: input.membershipId,
          userId: input.userId,
          userEmail: input.email,
          now: input.at,
        },
        metadata,
      });
      await this.deps.runner.catchUp();
      return result.events.length > 0;
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      this.deps.logger?.warn('membership: sign-up invitation not accepted', {
        code: err.code,
        organizationId: input.organizationId,
        membershipId: input.membershipId,
        userId: input.userId,
      });
      return false;
    }
  }

  /** `AccountDeleted`: the user's membership in every organization ends (`account-deleted`). Idempotent. */
  async removeAccount(userId: string, metadata: EventMetadata): Promise<number> {
    await this.deps.runner.catchUp();
    let removed = 0;
    for (const doc of await this.deps.queries.memberships({ userId })) {
      try {
        const result = await this.execute(doc.orgId, {
          type: 'RemoveMembership',
          data: { actor: SYSTEM_ACTOR, membershipId: doc.id, reason: 'account-deleted' },
          metadata,
        });
        removed += result.events.length;
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        // Already gone (a redelivery after a partial run, or the organization was deleted): nothing to do.
        if (err.code !== 'MEMBERSHIP.NOT_FOUND' && err.code !== 'ORGANIZATION.NOT_FOUND')
          this.deps.logger?.warn("membership: a deleted account's membership was not removed", {
            code: err.code,
            organizationId: doc.orgId,
            membershipId: doc.id,
          });
      }
    }
    await this.deps.runner.catchUp();
    return removed;
  }

  // ---------------------------------------------------------------------------------------------------- helpers

  private now(): string {
    return this.deps.clock.now().toISOString();
  }

  /**
   * The organization's state as of now (strongly consistent): the cached fold plus the events after it, as
   * `handleCommand` does, or a fold of the whole stream.
   */
  async loadOrganization(organizationId: string): Promise<OrganizationState> {
    const { events, cache } = this.deps;
    const stream = organizationStream(organizationId);
    const decider = stampedOrganizationDecider;
    const cached = cache?.get<OrganizationState>(decider, stream);
    if (cached) {
      const tail = await events.readStream(stream, { fromRevision: cached.revision + 1 });
      if (tail.length === 0 || tail[0]!.revision === cached.revision + 1) {
        const state = tail.reduce((s, e) => decider.evolve(s, e as never), cached.state);
        if (tail.length) cache!.set(decider, stream, state, cached.revision + tail.length);
        return state;
      }
    }
    const all = await events.readStream(stream);
    const state = fold(decider, all as never);
    if (all.length) cache?.set(decider, stream, state, all.length - 1);
    return state;
  }

  /** Name → id through the name reservation (strongly consistent); no actor sees nothing. */
  private async organizationIdOf(name: string, actor: Actor | undefined): Promise<string> {
    const id = actor ? await this.deps.guard.ownerOf(ORGANIZATION_NAME_SCOPE, name) : undefined;
    if (!id) throw new OrganizationNotFound();
    return id;
  }

  private async teamOrganization(teamId: string, actor: Actor | undefined): Promise<string> {
    const team = actor ? await this.lookup(() => this.deps.queries.team(teamId)) : undefined;
    if (!team) throw new TeamNotFound();
    return team.orgId;
  }

  /**
   * Runs a command on the organization's stream. `notFound`: what an invisible organization means for the thing
   * the request addressed (a membership, a team, an invitation), so no answer reveals more than the 404 of it.
   */
  private async execute(organizationId: string, command: Command, notFound?: new () => DomainError) {
    try {
      const actor = await this.withTwoFactor(command.data.actor);
      return await handleCommand(
        this.deps.events,
        organizationStream(organizationId),
        stampedOrganizationDecider,
        { ...command, data: { ...command.data, actor } } as Command,
        this.deps.cache ? { cache: this.deps.cache } : {},
      );
    } catch (err) {
      if (notFound && err instanceof OrganizationNotFound) throw new notFound();
      throw err;
    }
  }

  /**
   * A user actor with their 2FA as the users mirror knows it now (strongly consistent: the user's own mirror stream),
   * which the decider needs for organizations that require 2FA. Other actors, and a user already resolved, as given.
   */
  private async withTwoFactor<A extends Actor | undefined>(actor: A): Promise<A> {
    if (actor?.kind !== 'user' || actor.twoFactor !== undefined) return actor;
    const twoFactor = (await this.deps.mirror.get(actor.userId))?.twoFactor === true;
    return { ...actor, twoFactor };
  }

  /**
   * A read-model lookup for a write: on a miss, the projection is caught up and the lookup tried once more, so a
   * team, membership or user another replica has just written is found (a hit needs no catch-up).
   */
  private async lookup<T>(find: () => Promise<T | undefined>): Promise<T | undefined> {
    const found = await find();
    if (found !== undefined) return found;
    await this.deps.runner.catchUp();
    return find();
  }

  private async claimName(name: string, organizationId: string): Promise<void> {
    try {
      await this.deps.guard.claim(ORGANIZATION_NAME_SCOPE, name, organizationId);
    } catch (err) {
      if (!(err instanceof ValueAlreadyClaimed)) throw err;
      // A name whose organization was deleted but whose release did not happen (a crash in between) is free.
      const holder = await this.deps.guard.ownerOf(ORGANIZATION_NAME_SCOPE, name);
      if (!holder || (await this.loadOrganization(holder)).status !== 'deleted') throw err;
      await this.deps.guard.release(ORGANIZATION_NAME_SCOPE, name, holder);
      await this.deps.guard.claim(ORGANIZATION_NAME_SCOPE, name, organizationId);
    }
  }

  private async releaseName(name: string, organizationId: string): Promise<void> {
    await this.deps.guard.release(ORGANIZATION_NAME_SCOPE, name, organizationId).catch((err: unknown) =>
      this.deps.logger?.error('membership: could not release an organization name', {
        name,
        organizationId,
        error: err instanceof Error ? err.message : String(err),
      }),
    );
  }

  /**
   * The accepting user as the mirror knows them. Identity's events reach this service asynchronously (a relay, a
   * bus), so an account confirmed a moment ago may still look unconfirmed here: while the mirror does not know the
   * user, or knows the invited address unconfirmed, it is read again until `userWaitMs` has passed. A different
   * address is conclusive at once.
   */
  private async confirmedUser(userId: string, invitedEmailKey: string): Promise<MirroredUser | undefined> {
    const deadline = Date.now() + (this.deps.userWaitMs ?? 5_000);
    for (;;) {
      const user = await this.deps.mirror.get(userId);
      if (user && (user.emailConfirmed || emailKey(user.email) !== invitedEmailKey)) return user;
      if (Date.now() >= deadline) return user;
      await sleep(100);
    }
  }

  /** The caller as the user mirror knows them; waits briefly for a just-registered account's event. */
  private async knownUser(userId: string): Promise<MirroredUser> {
    const deadline = Date.now() + (this.deps.userWaitMs ?? 5_000);
    for (;;) {
      const user = await this.deps.mirror.get(userId);
      if (user) return user;
      if (Date.now() >= deadline) throw new UserNotYetKnown();
      await sleep(100);
    }
  }
}

/** A patch without its `undefined` members (zod keeps absent keys absent, but callers may pass them). */
const definedOnly = <T extends object>(patch: T | undefined): Partial<T> =>
  Object.fromEntries(Object.entries(patch ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
