import type { OrganizationTokenKind, OrganizationTokenView } from '@idp/contracts';
import { API_PREFIX } from '../http/json-api-controller';
import { resource, type ResourceObject, toOne } from '../jsonapi/resource';
import { toTimestamp, toTimestampOrNull } from '../jsonapi/timestamp';
import { userPath } from './user-resource';

/** Not exported: the organization routes own `organizationPath` (routes/membership-resources.ts). */
const organizationLink = (name: string): string => `/${API_PREFIX}/organizations/${encodeURIComponent(name)}`;

/** `/api/v2/organizations/<name>/authentication-token`, with `?token=audit-trails` for that kind. */
export const organizationTokenPath = (organizationName: string, kind: OrganizationTokenKind): string =>
  `${organizationLink(organizationName)}/authentication-token${kind === 'audit-trails' ? '?token=audit-trails' : ''}`;

/**
 * An organization API token (TFC-API §5.3, go-tfe `OrganizationToken`): type `authentication-tokens`, attributes
 * `created-at`, `last-used-at`, `description` (always null: organization tokens have none), `token` (the secret in
 * the create response ONLY — pass it as `secret`; `null` everywhere else), `expired-at`; polymorphic `created-by`:
 * `users` (a user id) or `organizations` (the organization's name, its JSON:API id — the token service records the
 * `org-…` id, which is translated with the current name the membership service answered).
 */
export const organizationTokenResource = (
  token: OrganizationTokenView,
  organizationName: string,
  secret: string | null = null,
): ResourceObject<'authentication-tokens'> => {
  const { createdBy } = token;
  const creator =
    createdBy.type === 'users'
      ? toOne('users', createdBy.id, { related: userPath(createdBy.id) })
      : createdBy.id === token.organizationId
        ? toOne('organizations', organizationName, { related: organizationLink(organizationName) })
        : toOne('organizations', createdBy.id);
  return resource(
    'authentication-tokens',
    token.id,
    {
      createdAt: toTimestamp(token.createdAt),
      lastUsedAt: toTimestampOrNull(token.lastUsedAt),
      description: null,
      token: secret,
      expiredAt: toTimestampOrNull(token.expiredAt),
    },
    {
      relationships: { createdBy: creator },
      links: { self: organizationTokenPath(organizationName, token.kind) },
    },
  );
};
