import { DomainError, ValueAlreadyClaimed } from '@idp/eventing';
import { DEFAULT_DOMAIN_STATUS, mapDomainError, statusForCode } from './domain-errors';
import { isCodedErrorLike } from './rpc-error';

describe('the code → status table', () => {
  it.each([
    // exact codes
    ['UNIQUENESS.USERNAME_TAKEN', 422],
    ['UNIQUENESS.NOT_OWNER', 409],
    ['AUTH.INVALID_CREDENTIALS', 401],
    ['LOGIN.LOCKED', 429],
    ['PASSWORD.HASH_MALFORMED', 500],
    ['ACCOUNT.INVALID_TRANSITION', 400],
    ['PASSWORD.TOO_SHORT', 422],
    ['EVENT_STORE.WRONG_EXPECTED_VERSION', 409],
    ['READ_STORE.CONFLICT', 409],
    ['BUS.CLOSED', 503],
    ['TEAM.INVALID_MEMBERS', 400],
    ['MEMBERSHIP.ALREADY_MEMBER', 422],
    // suffix rules
    ['ACCOUNT.NOT_FOUND', 404],
    ['MEMBERSHIP.TEAM_NOT_FOUND', 404],
    ['SESSION.UNAUTHORIZED', 401],
    ['TOKEN.UNAUTHENTICATED', 401],
    ['ORGANIZATION.FORBIDDEN', 403],
    ['MEMBERSHIP.LAST_OWNER_FORBIDDEN', 403],
    ['TWO_FACTOR.RATE_LIMITED', 429],
    ['SMS.SEND_RATE_LIMITED', 429],
    ['MAIL.UNAVAILABLE', 503],
    ['TEAM.NAME_TAKEN', 422],
    ['ACCOUNT.INVALID_PASSWORD', 422],
    ['ACCOUNT.INVALID', 422],
    ['INVITATION.CONFLICT', 409],
    ['TOKEN.EXPIRY_CONFLICT', 409],
    ['INVITATION.ALREADY_ACCEPTED', 409],
    // the membership service's codes that follow the rules (libs/membership/src/domain/organization/errors.ts)
    ['ORGANIZATION.NOT_FOUND', 404],
    ['TEAM.NOT_FOUND', 404],
    ['MEMBERSHIP.NOT_FOUND', 404],
    ['INVITATION.NOT_FOUND', 404],
    ['ORGANIZATION.INVALID_ATTRIBUTE', 422],
    ['ORGANIZATION.INVALID_COLLABORATOR_AUTH_POLICY', 422],
    ['TEAM.INVALID_ATTRIBUTE', 422],
    ['TEAM.INVALID_OWNERS_TEAM_CHANGE', 422],
    ['MEMBERSHIP.INVALID_INVITATION', 422],
    ['INVITATION.EMAIL_MISMATCH_FORBIDDEN', 403],
    ['MEMBERSHIP.ACTOR_FORBIDDEN', 403],
    ['TEAM.OWNER_REQUIRED_FORBIDDEN', 403],
    ['TEAM.ATTRIBUTE_FORBIDDEN', 403],
    ['ORGANIZATION.TWO_FACTOR_REQUIRED', 403],
    // infrastructure namespaces: never the client's fault
    ['EVENT_STORE.INVALID_APPEND', 500],
    ['EVENT_STORE.UNAVAILABLE', 503],
    ['READ_STORE.UNAVAILABLE', 503],
    ['READ_STORE.INVALID_QUERY', 500],
    ['RELAY.INVALID_MESSAGE', 500],
    // anything else: a broken business rule
    ['ACCOUNT.SUSPENDED', DEFAULT_DOMAIN_STATUS],
    ['A.B.C_TAKEN', 422],
  ])('%s → %i', (code, status) => expect(statusForCode(code)).toBe(status));
});

describe('mapDomainError', () => {
  it('uses TFC wording and pointer for taken names', () => {
    expect(mapDomainError('UNIQUENESS.USERNAME_TAKEN', 'username "ada" is already taken').error).toEqual({
      status: '422',
      title: 'invalid attribute',
      detail: 'Username has already been taken',
      code: 'UNIQUENESS.USERNAME_TAKEN',
      source: { pointer: '/data/attributes/username' },
    });
  });

  it('points at the attribute named in details (camelCase or kebab), or at a given pointer', () => {
    expect(
      mapDomainError('ACCOUNT.INVALID_EMAIL', 'Email is invalid', { attribute: 'unconfirmedEmail' }).error
        .source,
    ).toEqual({
      pointer: '/data/attributes/unconfirmed-email',
    });
    expect(
      mapDomainError('MEMBERSHIP.INVALID_TEAMS', 'no such team', {
        pointer: '/data/relationships/teams/data/0',
      }).error,
    ).toMatchObject({ title: 'invalid attribute', source: { pointer: '/data/relationships/teams/data/0' } });
  });

  it("membership's codes in TFC's shapes: taken team name, invalid team members, already a member", () => {
    expect(mapDomainError('TEAM.NAME_TAKEN', 'team "dev" exists', { attribute: 'name' }).error).toEqual({
      status: '422',
      title: 'invalid attribute',
      detail: 'Name has already been taken',
      code: 'TEAM.NAME_TAKEN',
      source: { pointer: '/data/attributes/name' },
    });
    expect(mapDomainError('TEAM.INVALID_MEMBERS', 'ada is not a member of the team').error).toEqual({
      status: '400',
      title: 'bad request',
      detail: 'ada is not a member of the team',
      code: 'TEAM.INVALID_MEMBERS',
    });
    expect(mapDomainError('MEMBERSHIP.ALREADY_MEMBER', 'You are already a member').error).toMatchObject({
      status: '422',
      detail: 'You are already a member',
    });
    expect(mapDomainError('MEMBERSHIP.LAST_OWNER_FORBIDDEN', 'add another owner first').error).toMatchObject({
      status: '403',
      title: 'forbidden',
      detail: 'add another owner first',
    });
  });

  it('a 422 without an attribute keeps the generic title and the domain message', () => {
    expect(
      mapDomainError('TWO_FACTOR.REQUIRED_BY_ORGANIZATION', 'An organization you own requires two-factor')
        .error,
    ).toEqual({
      status: '422',
      title: 'unprocessable entity',
      detail: 'An organization you own requires two-factor',
      code: 'TWO_FACTOR.REQUIRED_BY_ORGANIZATION',
    });
  });

  it('401 and 404 are bare, as TFC sends them (no oracle), and 5xx say nothing', () => {
    expect(mapDomainError('ACCOUNT.NOT_FOUND', 'account user-1 not found').error).toEqual({
      status: '404',
      title: 'not found',
    });
    expect(mapDomainError('SESSION.UNAUTHORIZED', 'wrong password').error).toEqual({
      status: '401',
      title: 'unauthorized',
    });
    expect(mapDomainError('EVENT_STORE.INVALID_APPEND', 'revision 7 of stream x').error).toEqual({
      status: '500',
      title: 'internal server error',
    });
  });

  it('429 carries TFC detail and X-RateLimit-Reset when the service says when to retry', () => {
    const mapped = mapDomainError('SMS.RATE_LIMITED', 'slow down', { retryAfterSeconds: 1.5 });
    expect(mapped.error).toMatchObject({
      status: '429',
      title: 'Too many requests',
      detail: "You have exceeded the API's rate limit.",
    });
    expect(mapped.headers).toEqual({ 'X-RateLimit-Reset': '1.5' });
    expect(mapDomainError('SMS.RATE_LIMITED', 'x', { retryAfterSeconds: 'soon' }).headers).toEqual({});
  });
});

describe('what counts as a domain error', () => {
  it('in-process DomainErrors and RPC error objects from the bus', () => {
    expect(isCodedErrorLike(new DomainError('ACCOUNT.NOT_FOUND', 'no'))).toBe(true);
    expect(isCodedErrorLike(new ValueAlreadyClaimed('username', 'ada'))).toBe(true);
    expect(isCodedErrorLike({ code: 'ACCOUNT.NOT_FOUND', message: 'no', details: { id: 'x' } })).toBe(true);
  });

  it('not Nest transport errors, Node system errors or malformed objects', () => {
    expect(isCodedErrorLike({ status: 'error', message: 'Internal server error' })).toBe(false);
    expect(isCodedErrorLike('There is no matching message handler')).toBe(false);
    expect(isCodedErrorLike(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isCodedErrorLike({ code: 'account.not_found', message: 'x' })).toBe(false);
    expect(isCodedErrorLike({ code: 'ACCOUNT.NOT_FOUND' })).toBe(false);
    expect(isCodedErrorLike({ code: 'ACCOUNT.NOT_FOUND', message: 'x', details: 'y' })).toBe(false);
    expect(isCodedErrorLike(null)).toBe(false);
  });
});
