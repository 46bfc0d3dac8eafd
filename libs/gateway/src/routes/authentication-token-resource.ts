import type { UserTokenView } from '@idp/contracts';
import { API_PREFIX } from '../http/json-api-controller';
import { resource, type ResourceObject, toOne } from '../jsonapi/resource';
import { toTimestamp, toTimestampOrNull } from '../jsonapi/timestamp';
import { userPath } from './user-resource';

export const authenticationTokenPath = (id: string): string =>
  `/${API_PREFIX}/authentication-tokens/${encodeURIComponent(id)}`;

/**
 * A user API token (TFC-API §4, go-tfe `UserToken`): `created-at`, `last-used-at`, `description`, `token`,
 * `expired-at`, relationship `created-by` (polymorphic; `users` here). `token` is the secret in the create
 * response ONLY (pass it as `secret`); every other response has `token: null`.
 */
export const authenticationTokenResource = (
  token: UserTokenView,
  secret: string | null = null,
): ResourceObject<'authentication-tokens'> =>
  resource(
    'authentication-tokens',
    token.id,
    {
      createdAt: toTimestamp(token.createdAt),
      lastUsedAt: toTimestampOrNull(token.lastUsedAt),
      description: token.description,
      token: secret,
      expiredAt: toTimestampOrNull(token.expiredAt),
    },
    {
      relationships: { createdBy: toOne('users', token.createdBy, { related: userPath(token.createdBy) }) },
      links: { self: authenticationTokenPath(token.id) },
    },
  );
