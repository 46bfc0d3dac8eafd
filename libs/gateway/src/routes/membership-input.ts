import {
  ORGANIZATION_ACCESS_FLAGS,
  organizationSettingsPatch,
  type OrganizationAccessFlag,
} from '@idp/contracts';
import { z } from 'zod';
import { notFound } from '../errors/json-api-error';
import { invalidParameter, listParam, type QueryParams, singleParam } from '../jsonapi/query-params';
import { jsonApiBody } from '../validation/json-api-body';
import { email, LINK_TOKEN_MAX } from './account-input';

/**
 * Edge validation of the organization, membership and team routes: shapes and bounds, as the membership contract
 * bounds them (`membership.messages.ts`). Meaning — name rules, e-mail syntax, uniqueness, who may do what, the
 * organization-access dependency rules — is the membership service's, which answers 422s with pointers itself.
 */
/**
 * The contract allows 256, but an organization is addressed by its name in the path and Fastify's router refuses
 * path parameters over 100 characters (`maxParamLength`, 414): a longer name would make an organization no route
 * can reach, so creating or renaming to one is refused here.
 */
export const ORGANIZATION_NAME_MAX = 100;
export const TEAM_NAME_MAX = 256;
export const SSO_TEAM_ID_MAX = 256;
/** Search text (`q`, `q[name]`); e-mails are bounded by `EMAIL_MAX`. */
export const SEARCH_MAX = 256;
/** Most values of a comma-joined filter and most identifiers in a body (the contract's bound). */
export const LIST_MAX = 100;

/** Ids of teams and memberships (`team-…`, `ou-…`), user ids and usernames: what the team-member bodies carry. */
export const RESOURCE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** An organization name from the path: anything that cannot be one is simply not found (no bus round trip). */
export const organizationPathName = (value: string): string => {
  if (value.length === 0 || value.length > ORGANIZATION_NAME_MAX) throw notFound();
  return value;
};

/** An invitation token from the path (`<organization id>.<secret>`): malformed is the same 404 as unknown. */
export const invitationPathToken = (value: string): string => {
  if (!/^[\x21-\x7e]+$/.test(value) || value.length > LINK_TOKEN_MAX) throw notFound();
  return value;
};

/** A single-valued text parameter, bounded (400 naming the parameter beyond `max`). */
export const textParam = (query: QueryParams, name: string, max: number): string | undefined => {
  const value = singleParam(query, name);
  if (value === undefined) return undefined;
  if (value.length > max) throw invalidParameter(name, `${name} is too long (maximum is ${max} characters)`);
  return value;
};

/**
 * A comma-joined filter (`filter[email]=a%40x.io%2Cb%40y.io`) as a bounded list; `undefined` when absent or empty
 * (an empty filter matches everything, as no filter does).
 */
export const listFilter = (query: QueryParams, name: string, maxLength: number): string[] | undefined => {
  const parameter = `filter[${name}]`;
  const values = listParam(query, parameter);
  if (!values || values.length === 0) return undefined;
  if (values.length > LIST_MAX)
    throw invalidParameter(parameter, `${parameter} lists more than ${LIST_MAX} values`);
  if (values.some((v) => v.length > maxLength))
    throw invalidParameter(parameter, `${parameter} values are at most ${maxLength} characters`);
  return values;
};

/** `filter[status]`: one of `allowed` (400 otherwise); `undefined` when absent or empty. */
export const statusFilter = <S extends string>(query: QueryParams, allowed: readonly S[]): S | undefined => {
  const values = listParam(query, 'filter[status]');
  if (!values || values.length === 0) return undefined;
  if (values.length > 1 || !allowed.includes(values[0] as S))
    throw invalidParameter('filter[status]', `filter[status] must be one of ${allowed.join(', ')}`);
  return values[0] as S;
};

const organizationName = z.string().min(1).max(ORGANIZATION_NAME_MAX);

/**
 * `POST /organizations` (TFC-API §6.1): `name` and `email` required (go-tfe sends `null` for unset ones: "can't be
 * blank"), the settings of `OrganizationSettings` optional. TFC's other attributes (`enforce-hyok`,
 * `registry-monorepo-support-enabled`, …) and relationships (`default-agent-pool`) are ignored.
 */
export const createOrganizationBody = jsonApiBody({
  type: 'organizations',
  attributes: organizationSettingsPatch.extend({ name: organizationName, email }),
});

/** `PATCH /organizations/:name`: everything optional; `name` renames (the API id changes). */
export const updateOrganizationBody = jsonApiBody({
  type: 'organizations',
  attributes: organizationSettingsPatch.extend({
    name: organizationName.optional(),
    email: email.optional(),
  }),
});

/** The `OrganizationSettings` part of an organization body (everything but `name` and `email`), when any. */
export const settingsOf = <A extends { name?: string; email?: string }>(attributes: A) => {
  const { name: _name, email: _email, ...settings } = attributes;
  return Object.keys(settings).length > 0 ? { settings } : {};
};

/**
 * `POST /organizations/:name/organization-memberships` (TFC-API §7): `email`, optional `relationships.teams` (the
 * docs call it required, go-tfe and the provider omit it: accepted empty).
 */
export const inviteBody = jsonApiBody({
  type: 'organization-memberships',
  attributes: z.object({ email }),
  relationships: { teams: { type: 'teams', many: true, max: LIST_MAX, id: RESOURCE_ID } },
});

const organizationAccess = z.object(
  Object.fromEntries(ORGANIZATION_ACCESS_FLAGS.map((f) => [f, z.boolean().optional()])) as Record<
    OrganizationAccessFlag,
    z.ZodOptional<z.ZodBoolean>
  >,
);

const teamAttributes = {
  visibility: z.enum(['secret', 'organization']).optional(),
  ssoTeamId: z.string().max(SSO_TEAM_ID_MAX).nullable().optional(),
  allowMemberTokenManagement: z.boolean().optional(),
  /** The docs' update table calls the flag this (TFC-API §8.2, §14): accepted as an alias. */
  allowTeamTokenManagement: z.boolean().optional(),
  /** A plain nested object of flags (go-tfe: json tags, omitempty); `null` = not sent. */
  organizationAccess: organizationAccess.nullable().optional(),
};

/** `POST /organizations/:name/teams` (TFC-API §8.2): `name` required. */
export const createTeamBody = jsonApiBody({
  type: 'teams',
  attributes: z.object({ name: z.string().min(1).max(TEAM_NAME_MAX), ...teamAttributes }),
});

const updateTeamAttributes = z.object({
  name: z.string().min(1).max(TEAM_NAME_MAX).optional(),
  ...teamAttributes,
});

/** `PATCH /teams/:id`: everything optional. */
export const updateTeamBody = jsonApiBody({ type: 'teams', attributes: updateTeamAttributes });

type TeamInput = z.output<typeof updateTeamAttributes>;

/** The team attributes of a create or update as the contract takes them (alias resolved, nulls dropped). */
export const teamChanges = (input: TeamInput) => {
  const allowMemberTokenManagement = input.allowMemberTokenManagement ?? input.allowTeamTokenManagement;
  return {
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.visibility !== undefined ? { visibility: input.visibility } : {}),
    ...(input.ssoTeamId !== undefined ? { ssoTeamId: input.ssoTeamId } : {}),
    ...(allowMemberTokenManagement !== undefined ? { allowMemberTokenManagement } : {}),
    ...(input.organizationAccess ? { organizationAccess: input.organizationAccess } : {}),
  };
};
