import type { AccountView, UserView } from '@idp/contracts';
import { createHash } from 'node:crypto';
import {
  identifier,
  linksOnly,
  type Relationship,
  resource,
  type ResourceObject,
  toMany,
  toOne,
} from '../jsonapi/resource';
import { API_PREFIX } from '../http/json-api-controller';
import type { Principal } from '../http/request-context';

export const userPath = (id: string): string => `/${API_PREFIX}/users/${encodeURIComponent(id)}`;

/**
 * What a user may do to their own account, with the keys go-tfe parses (TFC-API §3.2, §13.2). The singular
 * `can-create-organization` of the OpenAPI spec is sent too (§14: emit both).
 */
export const selfPermissions = (isServiceAccount: boolean) => ({
  canCreateOrganizations: !isServiceAccount,
  canCreateOrganization: !isServiceAccount,
  canChangeEmail: !isServiceAccount,
  canChangeUsername: !isServiceAccount,
  canManageUserTokens: !isServiceAccount,
  canView2faSettings: !isServiceAccount,
  canManageHcpAccount: false,
});

/** Permissions on someone else's user: none. */
const NO_PERMISSIONS = {
  canCreateOrganizations: false,
  canCreateOrganization: false,
  canChangeEmail: false,
  canChangeUsername: false,
  canManageUserTokens: false,
  canView2faSettings: false,
  canManageHcpAccount: false,
};

/** A user as the public projection shows it: a real user (`UserView`) or a synthetic service user. */
export type PublicUser = Omit<UserView, 'isServiceAccount'> & { isServiceAccount: boolean };

/** Attributes every projection of a user carries. */
const common = (user: PublicUser) => ({
  username: user.username,
  avatarUrl: user.avatarUrl,
  isServiceAccount: user.isServiceAccount,
  authMethod: 'tfc',
  v2Only: true,
});

const relationships = (id: string) => ({
  authenticationTokens: linksOnly({ related: `${userPath(id)}/authentication-tokens` }),
});

/**
 * The public projection (`GET /users/:id`): never the e-mail, the admin flags or 2FA settings. `permissions` are
 * the caller's on that user: their own when it is themselves, none otherwise.
 */
export const publicUserResource = (user: PublicUser, viewerId: string): ResourceObject<'users'> =>
  resource(
    'users',
    user.id,
    {
      ...common(user),
      permissions: user.id === viewerId ? selfPermissions(user.isServiceAccount) : NO_PERMISSIONS,
    },
    { relationships: relationships(user.id), links: { self: userPath(user.id) } },
  );

/**
 * The private projection (the account endpoints, TFC-API §2/§3.2): the public attributes plus `email`,
 * `unconfirmed-email`, `is-confirmed`, the site-admin flags (`is-admin` and its deprecated alias `is-site-admin`),
 * `is-sso-login`, `two-factor` and the caller's permissions. `authenticated` adds the `authenticated-resource`
 * relationship `GET /account/details` shows (the user itself for a user's session or token). Never a password.
 */
export const accountResource = (
  account: AccountView,
  options: { authenticated?: boolean } = {},
): ResourceObject<'users'> => {
  // Written in its wire shape directly (every value is a string, boolean or null): the same document `resource()`
  // makes from the camelCase attributes (`user-resource.unit.spec.ts` compares the two), without its generic
  // key-by-key conversion. This is the body of every authenticated `GET /account/details`.
  const { id } = identifier('users', account.id);
  const self = userPath(id);
  const isServiceAccount = account.isServiceAccount;
  const relationships: Record<string, Relationship> = {
    'authentication-tokens': linksOnly({ related: `${self}/authentication-tokens` }),
  };
  if (options.authenticated)
    relationships['authenticated-resource'] = { data: { type: 'users', id }, links: { related: self } };
  return {
    type: 'users',
    id,
    attributes: {
      username: account.username,
      'avatar-url': account.avatarUrl,
      'is-service-account': isServiceAccount,
      'auth-method': 'tfc',
      'v2-only': true,
      email: account.email,
      'unconfirmed-email': account.unconfirmedEmail,
      'is-confirmed': account.emailConfirmed,
      'is-admin': account.isAdmin,
      'is-site-admin': account.isAdmin,
      'is-sso-login': false,
      'two-factor': { enabled: account.twoFactor.enabled, verified: account.twoFactor.verified },
      permissions: {
        'can-create-organizations': !isServiceAccount,
        'can-create-organization': !isServiceAccount,
        'can-change-email': !isServiceAccount,
        'can-change-username': !isServiceAccount,
        'can-manage-user-tokens': !isServiceAccount,
        'can-view2fa-settings': !isServiceAccount,
        'can-manage-hcp-account': false,
      },
    },
    relationships,
    links: { self },
  };
};

/**
 * The admin projection (TFE admin users API, TFC-API §10; go-tfe `AdminUser`): `username`, `email`, `avatar-url`,
 * `is-admin`, `is-site-auditor` (always false: no site auditors here), `is-suspended`, `is-service-account`,
 * `two-factor`, plus the private projection's `unconfirmed-email`, `is-confirmed` and `is-site-admin` (extra
 * attributes, which clients ignore). `organizations` (ids = names) when the caller asked for them
 * (`include=organizations`); `links.self` the user.
 */
export const adminUserResource = (
  account: AccountView,
  organizations?: readonly string[],
): ResourceObject<'users'> =>
  resource(
    'users',
    account.id,
    {
      ...common(account),
      email: account.email,
      unconfirmedEmail: account.unconfirmedEmail,
      isConfirmed: account.emailConfirmed,
      isAdmin: account.isAdmin,
      isSiteAdmin: account.isAdmin,
      isSiteAuditor: false,
      isSuspended: account.isSuspended,
      twoFactor: { enabled: account.twoFactor.enabled, verified: account.twoFactor.verified },
    },
    {
      ...(organizations ? { relationships: { organizations: toMany('organizations', organizations) } } : {}),
      links: { self: userPath(account.id) },
    },
  );

/** The part of an organization-token principal its service user is made of. */
type OrganizationTokenPrincipal = Pick<
  Extract<Principal, { kind: 'organization-token' }>,
  'organizationId' | 'organizationName'
>;

/**
 * The id of the synthetic service user an organization token acts through (TFC-API §1.3): derived from the
 * organization's `org-…` id, so it is stable across renames and regenerations and never collides with a real
 * user's `user-` + 16 base58 id.
 */
export const organizationServiceUserId = (organizationId: string): string => `user-api-${organizationId}`;

/** That service user: `api-org-<organization name>`, a service account. */
export const organizationServiceUser = (principal: OrganizationTokenPrincipal): PublicUser => {
  const username = `api-org-${principal.organizationName}`;
  return {
    id: organizationServiceUserId(principal.organizationId),
    username,
    avatarUrl: `https://www.gravatar.com/avatar/${createHash('md5').update(username).digest('hex')}?s=100&d=mm`,
    isServiceAccount: true,
  };
};

/**
 * The id of the synthetic service user a team token acts through (TFC-API §1.3): derived from the team's `team-…` id
 * (stable across renames and new tokens), never colliding with a real user's `user-` + 16 base58 id.
 */
export const teamServiceUserId = (teamId: string): string => `user-api-${teamId}`;

/** That service user: `api-team_<team id without its prefix>` (TFC's `api-team_XXXXXXXX` form), a service account. */
export const teamServiceUser = (teamId: string): PublicUser => {
  const username = `api-team_${teamId.replace(/^team-/, '')}`;
  return {
    id: teamServiceUserId(teamId),
    username,
    avatarUrl: `https://www.gravatar.com/avatar/${createHash('md5').update(username).digest('hex')}?s=100&d=mm`,
    isServiceAccount: true,
  };
};

/** Who views a user, for `permissions`: the user, or an organization's or a team's token's service user. */
export const viewerIdOf = (principal: Principal): string =>
  principal.kind === 'organization-token'
    ? organizationServiceUserId(principal.organizationId)
    : principal.kind === 'team-token'
      ? teamServiceUserId(principal.teamId)
      : principal.userId;

/**
 * `GET /account/details` for a team token (TFC-API §1.3): the team's synthetic service user, shaped like the
 * organization token's, with `authenticated-resource` naming the team (`teams`, id = its `team-…` id).
 */
export const teamServiceUserResource = (teamId: string): ResourceObject<'users'> => {
  const user = teamServiceUser(teamId);
  return resource(
    'users',
    user.id,
    {
      ...common(user),
      email: null,
      unconfirmedEmail: null,
      isConfirmed: true,
      isAdmin: false,
      isSiteAdmin: false,
      isSsoLogin: false,
      twoFactor: { enabled: false, verified: false },
      permissions: selfPermissions(true),
    },
    {
      relationships: {
        authenticatedResource: toOne('teams', teamId, {
          related: `/${API_PREFIX}/teams/${encodeURIComponent(teamId)}`,
        }),
      },
      links: { self: userPath(user.id) },
    },
  );
};

/** Not exported: the organization routes own `organizationPath` (routes/membership-resources.ts). */
const organizationLink = (name: string): string => `/${API_PREFIX}/organizations/${encodeURIComponent(name)}`;

/**
 * `GET /account/details` for an organization token (TFC-API §1.3): the synthetic service user, in the private
 * projection's shape (go-tfe `Users.ReadCurrent` decodes it), with `is-service-account: true`, no e-mail, every
 * permission false, and `authenticated-resource` naming the organization (`organizations`, id = its name).
 */
export const organizationServiceUserResource = (
  principal: OrganizationTokenPrincipal,
): ResourceObject<'users'> => {
  const user = organizationServiceUser(principal);
  return resource(
    'users',
    user.id,
    {
      ...common(user),
      email: null,
      unconfirmedEmail: null,
      isConfirmed: true,
      isAdmin: false,
      isSiteAdmin: false,
      isSsoLogin: false,
      twoFactor: { enabled: false, verified: false },
      permissions: selfPermissions(true),
    },
    {
      relationships: {
        authenticatedResource: toOne('organizations', principal.organizationName, {
          related: organizationLink(principal.organizationName),
        }),
      },
      links: { self: userPath(user.id) },
    },
  );
};
