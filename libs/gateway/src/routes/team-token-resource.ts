import type { TeamTokenView } from '@idp/contracts';
import { API_PREFIX } from '../http/json-api-controller';
import { resource, type ResourceObject, toOne } from '../jsonapi/resource';
import { toTimestamp, toTimestampOrNull } from '../jsonapi/timestamp';
import { authenticationTokenPath } from './authentication-token-resource';
import { userPath } from './user-resource';

const teamLink = (teamId: string): string => `/${API_PREFIX}/teams/${encodeURIComponent(teamId)}`;
const organizationLink = (name: string): string => `/${API_PREFIX}/organizations/${encodeURIComponent(name)}`;

/**
 * A team API token (TFC-API §5.1/§5.2, go-tfe `TeamToken`): type `authentication-tokens`, attributes `created-at`,
 * `last-used-at`, `description` (null for the legacy token), `token` (the secret in the create response ONLY — pass
 * it as `secret`; `null` everywhere else), `expired-at`; relationships `team` and polymorphic `created-by`: `users`
 * (a user id), `teams` (a team id) or `organizations` (the organization's name, its JSON:API id, when the token
 * service's `org-…` id is the team's organization — `organizationName` from the membership service).
 */
export const teamTokenResource = (
  token: TeamTokenView,
  organizationName: string | undefined,
  secret: string | null = null,
): ResourceObject<'authentication-tokens'> => {
  const { createdBy } = token;
  const creator =
    createdBy.type === 'users'
      ? toOne('users', createdBy.id, { related: userPath(createdBy.id) })
      : createdBy.type === 'teams'
        ? toOne('teams', createdBy.id, { related: teamLink(createdBy.id) })
        : createdBy.id === token.organizationId && organizationName
          ? toOne('organizations', organizationName, { related: organizationLink(organizationName) })
          : toOne('organizations', createdBy.id);
  return resource(
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
      relationships: {
        team: toOne('teams', token.teamId, { related: teamLink(token.teamId) }),
        createdBy: creator,
      },
      links: { self: authenticationTokenPath(token.id) },
    },
  );
};
