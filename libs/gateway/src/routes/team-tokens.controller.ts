import {
  MEMBERSHIP,
  TEAM_TOKEN,
  TEAM_TOKEN_DESCRIPTION_MAX,
  type TeamTokenView,
  type TeamView,
} from '@idp/contracts';
import {
  Body,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Injectable,
  Logger,
  Param,
  Post,
  Query,
  UseInterceptors,
} from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { CREDENTIAL_CACHE } from '../auth/auth.tokens';
import type { CredentialCache } from '../auth/credential-cache';
import { ServiceClient } from '../bus/service-client';
import { invalidAttribute, JsonApiException, notFound } from '../errors/json-api-error';
import { isCodedErrorLike } from '../errors/rpc-error';
import { JsonApiController } from '../http/json-api-controller';
import { CurrentContext, CurrentUrl, type RequestContext } from '../http/request-context';
import { listDocument, singleDocument } from '../jsonapi/document';
import { paginate, parsePage, slicePage } from '../jsonapi/pagination';
import { invalidParameter, parseFilter, type QueryParams, singleParam } from '../jsonapi/query-params';
import type { RequestUrl } from '../jsonapi/request-url';
import type { ResourceIdentifier } from '../jsonapi/resource';
import {
  type JsonApiInput,
  JsonApiBodyPipe,
  jsonApiBody,
  JsonApiIdentifiers,
} from '../validation/json-api-body';
import { ApiJsonApiBody } from '../validation/openapi';
import { pathId } from './account-input';
import { LIST_MAX } from './membership-input';
import { NoStore } from './no-store';
import { teamTokenResource } from './team-token-resource';

/** ISO 8601 with an offset or `Z` (go-tfe sends `2026-01-01T00:00:00Z`); whether it lies ahead is the service's. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const expiredAt = z
  .string()
  .regex(ISO_INSTANT, 'must be an ISO 8601 timestamp')
  .refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 timestamp')
  .nullable()
  .optional();

/**
 * `POST /teams/:id/authentication-tokens` (TFC-API §5.1): a described token. go-tfe sends `"type":""` (§13.3); the
 * description is required here (go-tfe uses this path only with one; without, it uses the legacy path).
 */
export const createTeamTokenBody = jsonApiBody({
  type: 'authentication-tokens',
  allowEmptyType: true,
  attributes: z.object({
    description: z.string().max(TEAM_TOKEN_DESCRIPTION_MAX).nullable().optional(),
    expiredAt,
  }),
});

/**
 * `POST /teams/:id/authentication-token` (TFC-API §5.2): the legacy token. The docs show `"type":"authentication-token"`,
 * go-tfe sends `"type":""` and may send no attributes or no body at all; any description is ignored.
 */
export const createLegacyTeamTokenBody = jsonApiBody({
  type: ['authentication-token', 'authentication-tokens'],
  allowEmptyType: true,
  attributes: z.object({ expiredAt }),
});
const legacyBodyPipe = new JsonApiBodyPipe(createLegacyTeamTokenBody);
const bodyPipe = new JsonApiBodyPipe(createTeamTokenBody);

/** `filter[expiry_status]` values (TFC-API §5.1), OR-ed. */
export const EXPIRY_STATUSES = [
  'active',
  'expiring_in_7_days',
  'expiring_in_30_days',
  'expired',
  'no_expiration',
] as const;
type ExpiryStatus = (typeof EXPIRY_STATUSES)[number];
const SORT_KEYS = ['team-name', 'created-by', 'expired-at', 'last-used-at'] as const;
type SortKey = (typeof SORT_KEYS)[number];
const DAY = 86_400_000;

/** Whether a token's expiry falls under a status at `now`. */
export const hasExpiryStatus = (expiredAtIso: string | null, status: ExpiryStatus, now: number): boolean => {
  const at = expiredAtIso === null ? null : Date.parse(expiredAtIso);
  switch (status) {
    case 'no_expiration':
      return at === null;
    case 'expired':
      return at !== null && at <= now;
    case 'active':
      return at === null || at > now;
    case 'expiring_in_7_days':
      return at !== null && at > now && at <= now + 7 * DAY;
    case 'expiring_in_30_days':
      return at !== null && at > now && at <= now + 30 * DAY;
  }
};

const parseSort = (query: QueryParams): { key: SortKey; descending: boolean } => {
  const value = singleParam(query, 'sort');
  if (value === undefined || value === '') return { key: 'expired-at', descending: false };
  const descending = value.startsWith('-');
  const key = (descending ? value.slice(1) : value) as SortKey;
  if (!SORT_KEYS.includes(key))
    throw invalidParameter('sort', `sort must be one of ${SORT_KEYS.join(', ')}, optionally prefixed with -`);
  return { key, descending };
};

const parseExpiryStatuses = (query: QueryParams): ExpiryStatus[] | undefined => {
  const values = parseFilter(query, 'expiry_status');
  if (!values || values.length === 0) return undefined;
  const bad = values.find((v) => !(EXPIRY_STATUSES as readonly string[]).includes(v));
  if (bad !== undefined)
    throw invalidParameter(
      'filter[expiry_status]',
      `filter[expiry_status] must be a comma-separated list of ${EXPIRY_STATUSES.join(', ')}`,
    );
  return values as ExpiryStatus[];
};

/** Ascending order of two optional sort values: absent (never expires, never used) last. */
const compareOptional = (a: string | null, b: string | null): number =>
  a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1;

const isNotFound = (err: unknown): boolean => isCodedErrorLike(err) && err.code === 'TOKEN.NOT_FOUND';
/** `manageableTeam`'s refusals: the gateway's own 404, or the membership service's `*.NOT_FOUND`. */
const isTeamNotFound = (err: unknown): boolean =>
  (err instanceof JsonApiException && err.getStatus() === 404) ||
  (isCodedErrorLike(err) && err.code.endsWith('NOT_FOUND'));

/**
 * Who may manage a team's tokens, and the token routes shared with `GET`/`DELETE /authentication-tokens/:id`. The
 * membership service decides (TFC-API §5.2 "Who"): the team is read as the caller (`membership.get-team`; a secret
 * team is invisible to whoever may not see secret teams) and `permissions.can-update-api-token` must be true —
 * owners, Manage Teams holders, the organization token, the owners-team token, and the team's own members when
 * `allow-member-token-management` is on. Anyone else, like an unknown team, gets a 404 (no existence oracle).
 */
@Injectable()
export class TeamTokenAccess {
  private readonly logger = new Logger('gateway.team-tokens');

  constructor(
    private readonly services: ServiceClient,
    @Inject(CREDENTIAL_CACHE) private readonly cache: CredentialCache,
  ) {}

  /** The team, when the caller may manage its tokens; 404 otherwise. */
  async manageableTeam(teamId: string, context: RequestContext): Promise<TeamView> {
    const { team } = await this.services.request(MEMBERSHIP.getTeam, { teamId: pathId(teamId) }, { context });
    if (!team.permissions.canUpdateApiToken) throw notFound();
    return team;
  }

  /**
   * A team token the caller may manage, with its team; undefined when there is no such team token at all. A `team-…`
   * id names that team's legacy token (TFC-API §4: "for legacy team tokens, a team id").
   */
  async manageableToken(
    tokenId: string,
    context: RequestContext,
  ): Promise<{ token: TeamTokenView; team: TeamView } | undefined> {
    let token: TeamTokenView;
    try {
      token = tokenId.startsWith('team-')
        ? await this.services.request(TEAM_TOKEN.getLegacyTeamToken, { teamId: tokenId }, { context })
        : await this.services.request(TEAM_TOKEN.getTeamToken, { tokenId }, { context });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    return { token, team: await this.manageableTeam(token.teamId, context) };
  }

  /** Revokes team tokens and evicts them from this gateway's verification cache (the others on `token.events`). */
  async revoke(tokenIds: string[], context: RequestContext): Promise<void> {
    const { tokenIds: revoked } = await this.services.request(
      TEAM_TOKEN.deleteTeamTokens,
      { tokenIds },
      { context },
    );
    for (const id of revoked) this.cache.evictToken(id);
  }

  /**
   * After the membership service deleted a team or an organization: its team tokens are revoked now, so the very
   * next request with one is a 401 on every gateway's cache miss and at once on this one (the token service's
   * reaction to `TeamDeleted` / `OrganizationDeleted` does the same later, idempotently). A failure here is logged,
   * not answered: the deletion happened, and that reaction still revokes them.
   */
  async closeTokensOf(
    target: { teamId: string } | { organizationId: string },
    context: RequestContext,
  ): Promise<void> {
    try {
      const { tokenIds } = await this.services.request(TEAM_TOKEN.closeTeamTokens, target, { context });
      this.evict(tokenIds);
    } catch (err) {
      this.logger.warn(
        `team tokens of ${JSON.stringify(target)} not closed now (the membership event will): ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  evict(tokenIds: readonly string[]): void {
    for (const id of tokenIds) this.cache.evictToken(id);
  }
}

/**
 * Team API tokens (TFC-API §5.1 several described tokens per team, §5.2 the legacy one). The secret is in the
 * create response only (`token`, `null` everywhere else). `GET`/`DELETE /authentication-tokens/:id` serve team
 * tokens too (`AuthenticationTokensController`, through `TeamTokenAccess`).
 */
@ApiTags('team-tokens')
@ApiBearerAuth()
@ApiCookieAuth()
@JsonApiController()
@UseInterceptors(NoStore)
export class TeamTokensController {
  constructor(
    private readonly services: ServiceClient,
    private readonly access: TeamTokenAccess,
  ) {}

  @Post('teams/:team_id/authentication-tokens')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Create a team token (described)',
    description:
      '201 with the secret in `token` (shown once). The description is unique within the team: a duplicate is 422 `invalid attributes` / `Validation failed: Description has already been taken`. 404 unless the caller may manage the team tokens.',
  })
  @ApiJsonApiBody(createTeamTokenBody)
  async create(
    @CurrentContext() context: RequestContext,
    @Param('team_id') teamId: string,
    @Body() raw: unknown,
  ) {
    const body: JsonApiInput<typeof createTeamTokenBody> = bodyPipe.transform(raw);
    const team = await this.access.manageableTeam(teamId, context);
    const description = body.attributes.description?.trim();
    if (!description) throw invalidAttribute('description', "Description can't be blank");
    return this.issue(team, description, body.attributes.expiredAt, context);
  }

  @Post('teams/:team_id/authentication-token')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Create (regenerate) the legacy team token',
    description:
      '201 with the secret in `token` (shown once), `description: null`; the previous legacy token stops working at once.',
  })
  @ApiJsonApiBody(createLegacyTeamTokenBody)
  async createLegacy(
    @CurrentContext() context: RequestContext,
    @Param('team_id') teamId: string,
    @Body() raw: unknown,
  ) {
    const body: JsonApiInput<typeof createLegacyTeamTokenBody> = legacyBodyPipe.transform(
      raw === undefined || raw === null ? { data: { type: '' } } : raw,
    );
    const team = await this.access.manageableTeam(teamId, context);
    return this.issue(team, null, body.attributes.expiredAt, context);
  }

  @Get('teams/:team_id/authentication-token')
  @ApiOperation({
    summary: 'Show the legacy team token',
    description: '`token` is null. 404 when there is none.',
  })
  async showLegacy(@CurrentContext() context: RequestContext, @Param('team_id') teamId: string) {
    const team = await this.access.manageableTeam(teamId, context);
    const token = await this.services.request(
      TEAM_TOKEN.getLegacyTeamToken,
      { teamId: team.id },
      { context },
    );
    return singleDocument(teamTokenResource(token, team.organizationName));
  }

  @Delete('teams/:team_id/authentication-token')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete the legacy team token', description: '204; 404 when there is none.' })
  async destroyLegacy(
    @CurrentContext() context: RequestContext,
    @Param('team_id') teamId: string,
  ): Promise<void> {
    const team = await this.access.manageableTeam(teamId, context);
    const { tokenIds } = await this.services.request(
      TEAM_TOKEN.deleteLegacyTeamToken,
      { teamId: team.id },
      { context },
    );
    this.access.evict(tokenIds);
  }

  @Get('organizations/:organization_name/team-tokens')
  @ApiOperation({
    summary: "List an organization's team tokens",
    description:
      'Only the tokens of teams whose tokens the caller may manage. `q` (team name), `sort` (`team-name`, `created-by`, `expired-at`, `last-used-at`, `-` reverses; default ascending expiry), `filter[expiry_status]`, pagination.',
  })
  @ApiQuery({ name: 'q', required: false })
  @ApiQuery({ name: 'sort', required: false })
  @ApiQuery({ name: 'filter[expiry_status]', required: false })
  async list(
    @CurrentContext() context: RequestContext,
    @Param('organization_name') name: string,
    @Query() query: QueryParams,
    @CurrentUrl() url: RequestUrl,
  ) {
    const page = parsePage(query);
    const sort = parseSort(query);
    const statuses = parseExpiryStatuses(query);
    const q = singleParam(query, 'q')?.trim().toLowerCase();
    const { organization } = await this.services.request(
      MEMBERSHIP.getOrganization,
      { organization: pathId(name) },
      { context },
    );
    const teams = new Map(
      (await this.teamsOf(organization.name, context))
        .filter((t) => t.permissions.canUpdateApiToken)
        .filter((t) => !q || t.name.toLowerCase().includes(q))
        .map((t) => [t.id, t]),
    );
    const { tokens } = teams.size
      ? await this.services.request(
          TEAM_TOKEN.listTeamTokens,
          {
            organizationId: organization.id,
            teamIds: [...teams.keys()],
          },
          { context },
        )
      : { tokens: [] as TeamTokenView[] };
    const now = Date.now();
    const selected = statuses
      ? tokens.filter((t) => statuses.some((s) => hasExpiryStatus(t.expiredAt, s, now)))
      : tokens;
    const keyOf = (t: TeamTokenView): string | null => {
      switch (sort.key) {
        case 'team-name':
          return teams.get(t.teamId)?.name.toLowerCase() ?? '';
        case 'created-by':
          return `${t.createdBy.type}:${t.createdBy.id}`;
        case 'expired-at':
          return t.expiredAt;
        case 'last-used-at':
          return t.lastUsedAt;
      }
    };
    const sorted = [...selected].sort((a, b) => {
      const order = compareOptional(keyOf(a), keyOf(b));
      return (sort.descending ? -order : order) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    });
    return listDocument(
      slicePage(sorted, page).map((t) => teamTokenResource(t, organization.name)),
      { pagination: paginate(page, sorted.length, url) },
    );
  }

  @Delete('organizations/:organization_name/team-tokens')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Delete several team tokens',
    description:
      'Body: `{"data":[{"type":"authentication-tokens","id":"at-…"}]}`. 204; 404 (nothing deleted) when any is unknown, of another organization, or not manageable by the caller.',
  })
  async destroyMany(
    @CurrentContext() context: RequestContext,
    @Param('organization_name') name: string,
    @JsonApiIdentifiers({ type: 'authentication-tokens', max: LIST_MAX, id: /^[A-Za-z0-9_-]{1,64}$/ })
    identifiers: ResourceIdentifier[],
  ): Promise<void> {
    const { organization } = await this.services.request(
      MEMBERSHIP.getOrganization,
      { organization: pathId(name) },
      { context },
    );
    const ids = [...new Set(identifiers.map((i) => i.id))];
    const manageable = new Map<string, boolean>();
    for (const id of ids) {
      const found = await this.services
        .request(TEAM_TOKEN.getTeamToken, { tokenId: id }, { context })
        .catch((err: unknown) => {
          if (isNotFound(err)) return undefined;
          throw err;
        });
      if (!found || found.organizationId !== organization.id) throw notFound();
      if (!manageable.has(found.teamId))
        manageable.set(
          found.teamId,
          await this.access.manageableTeam(found.teamId, context).then(
            () => true,
            (err: unknown) => {
              // Not visible or not manageable: 404 like an unknown id. Anything else (an outage) is answered as such.
              if (isTeamNotFound(err)) return false;
              throw err;
            },
          ),
        );
      if (!manageable.get(found.teamId)) throw notFound();
    }
    await this.access.revoke(ids, context);
  }

  private async issue(
    team: TeamView,
    description: string | null,
    expiredAt: string | null | undefined,
    context: RequestContext,
  ) {
    const created = await this.services.request(
      TEAM_TOKEN.createTeamToken,
      {
        teamId: team.id,
        organizationId: team.organizationId,
        description,
        ...(expiredAt !== undefined ? { expiredAt } : {}),
        requestId: randomUUID(),
      },
      { context },
    );
    if (created.replacedTokenId) this.access.evict([created.replacedTokenId]);
    return singleDocument(teamTokenResource(created.token, team.organizationName, created.secret));
  }

  /** Every team of the organization the caller can see (all pages). */
  private async teamsOf(organization: string, context: RequestContext): Promise<TeamView[]> {
    const out: TeamView[] = [];
    for (let number = 1; ; number++) {
      const list = await this.services.request(
        MEMBERSHIP.listTeams,
        {
          organization,
          page: { number, size: 100 },
        },
        { context },
      );
      out.push(...list.teams);
      if (list.teams.length < 100) return out;
    }
  }
}
