import {
  type AccountView,
  IDENTITY,
  type RequestMeta,
  type SessionView,
  TEAM_TOKEN,
  TOKEN,
  type UserView,
} from '@idp/contracts';
import { InProcessBroker, InProcessBusClient, inProcessServerOptions, newLinkToken } from '@idp/eventing';
import { Controller, Inject, type Provider } from '@nestjs/common';
import { MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { newPrefixedId } from '../jsonapi/ids';
import { SERVICE_PATTERNS } from '../bus/service-messages';
import { FAKE_MEMBERSHIP, FakeMembershipHandlers, FakeMembershipState } from './fake-membership';
import { createGatewayTestApp, type GatewayTestAppOptions } from './gateway-test-app';

/**
 * In-memory stand-ins for the identity, token and membership (`fake-membership.ts`) services, answering the real
 * contract patterns over the real in-process bus, for the gateway's e2e tests. They implement just enough
 * behaviour to exercise every gateway path (the real services are tested end to end in their own libs and in
 * apps/platform).
 */
export interface FakeAccount extends AccountView {
  password: string;
}

export interface FakeSession extends SessionView {
  token: string;
  ended: boolean;
  /** An impersonation session (`fake-admin.ts`). */
  impersonatorId?: string;
  impersonationReason?: string;
  returnToSessionId?: string;
  /** A password login still owing its second factor (`fake-two-factor.ts` completes it). */
  twoFactorPending?: boolean;
}

const fail = (code: string, message: string, details?: Record<string, unknown>): never => {
  throw new RpcException({ code, message, ...(details ? { details } : {}) });
};

export class FakeServiceState {
  readonly accounts = new Map<string, FakeAccount>();
  readonly sessions = new Map<string, FakeSession>();
  /** Every message received: pattern and payload (with `meta`). */
  readonly calls: Array<{ pattern: string; payload: Record<string, unknown> }> = [];
  /** Tokens of the e-mailed links: confirmation and password reset. */
  readonly confirmTokens = new Map<string, string>();
  readonly resetTokens = new Map<string, string>();
  iact: string | null = newLinkToken();
  /** Every secret handed out or received (passwords, session tokens, link tokens): must never leak. */
  readonly secrets = new Set<string>();
  /** Milliseconds `token.verify-credential` waits before answering (timeout tests). */
  verifyDelayMs = 0;
  /** Overrides the reply of `token.verify-credential` (malformed-answer tests). */
  verifyReply: ((token: string) => unknown) | undefined;
  /**
   * Holds the reply of `token.verify-credential` to a token until the promise it returns settles (concurrency
   * tests: one request waits in its credential check while others run); undefined answers at once. The fake
   * services answer each pattern's messages in order, so a held check holds every later one too.
   */
  holdVerify: ((token: string) => Promise<void> | undefined) | undefined;
  /** The fake membership service's organizations, teams, memberships and invitations (`fake-membership.ts`). */
  readonly membership: FakeMembershipState = new FakeMembershipState(this);

  callsOf(pattern: string) {
    return this.calls.filter((c) => c.pattern === pattern);
  }

  addAccount(input: { username: string; email: string; password: string; isAdmin?: boolean }): FakeAccount {
    const id = newPrefixedId('user');
    const account: FakeAccount = {
      id,
      username: input.username,
      email: input.email,
      unconfirmedEmail: null,
      emailConfirmed: false,
      avatarUrl: `https://www.gravatar.com/avatar/${id}?s=100&d=mm`,
      isAdmin: input.isAdmin ?? false,
      isSuspended: false,
      isServiceAccount: false,
      twoFactor: { enabled: false, verified: false },
      createdAt: new Date('2025-01-02T03:04:05.678Z').toISOString(),
      password: input.password,
    };
    this.accounts.set(id, account);
    this.secrets.add(input.password);
    const confirm = newLinkToken();
    this.confirmTokens.set(confirm, id);
    this.secrets.add(confirm);
    return account;
  }

  startSession(userId: string, meta: RequestMeta = {}, userAgent?: string): FakeSession {
    const now = new Date();
    const session: FakeSession = {
      id: newPrefixedId('sess'),
      userId,
      createdAt: now.toISOString(),
      lastSeenAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + 3_600_000).toISOString(),
      ...(meta.ip ? { ip: meta.ip } : {}),
      ...(userAgent ? { userAgent } : {}),
      token: newLinkToken(),
      ended: false,
    };
    this.sessions.set(session.id, session);
    this.secrets.add(session.token);
    return session;
  }

  view(account: FakeAccount): AccountView {
    const { password: _password, ...view } = account;
    return view;
  }

  userView(account: FakeAccount): UserView {
    return {
      id: account.id,
      username: account.username,
      avatarUrl: account.avatarUrl,
      isServiceAccount: false,
    };
  }

  findByLogin(login: string): FakeAccount | undefined {
    const l = login.toLowerCase();
    return [...this.accounts.values()].find(
      (a) => a.username.toLowerCase() === l || a.email.toLowerCase() === l,
    );
  }

  own(payload: { meta?: RequestMeta; userId?: unknown }): FakeAccount {
    const account = this.accounts.get(String(payload.userId));
    if (!account || payload.meta?.actor?.id !== account.id) return fail('ACCOUNT.NOT_FOUND', 'not found');
    return account;
  }

  private publicSession({
    token: _t,
    ended: _e,
    returnToSessionId: _r,
    twoFactorPending: _p,
    ...view
  }: FakeSession): SessionView {
    return view;
  }

  listSessions(userId: string, currentSessionId?: string): SessionView[] {
    return [...this.sessions.values()]
      .filter((s) => s.userId === userId && !s.ended)
      .map((s) => ({ ...this.publicSession(s), current: s.id === currentSessionId }));
  }
}

export const FAKE_STATE = Symbol('FAKE_STATE');

type P = Record<string, unknown> & { meta?: RequestMeta };

const checkPassword = (password: unknown, attribute = 'password') => {
  if (typeof password !== 'string' || password.length < 10)
    fail('PASSWORD.TOO_SHORT', 'Password is too short (minimum is 10 characters)', { attribute });
};

@Controller()
class FakeHandlers {
  constructor(@Inject(FAKE_STATE) private readonly s: FakeServiceState) {}

  private record(pattern: string, payload: P) {
    this.s.calls.push({ pattern, payload });
  }

  @MessagePattern(IDENTITY.registerAccount)
  register(@Payload() p: P) {
    this.record(IDENTITY.registerAccount, p);
    if (this.s.findByLogin(String(p.username)))
      fail('UNIQUENESS.USERNAME_TAKEN', 'username taken', { attribute: 'username' });
    if (!/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i.test(String(p.email)))
      fail('ACCOUNT.INVALID_EMAIL', 'Email is invalid', { attribute: 'email' });
    checkPassword(p.password);
    const account = this.s.addAccount({
      username: String(p.username),
      email: String(p.email),
      password: String(p.password),
    });
    return this.s.view(account);
  }

  @MessagePattern(IDENTITY.authenticate)
  authenticate(@Payload() p: P) {
    this.record(IDENTITY.authenticate, p);
    if (p.login === 'locked')
      fail('LOGIN.LOCKED', 'Too many failed login attempts. Try again later.', { retryAfterSeconds: 7 });
    const account = this.s.findByLogin(String(p.login));
    if (!account || account.password !== p.password)
      fail('AUTH.INVALID_CREDENTIALS', 'Invalid login or password');
    return { userId: account!.id, twoFactorRequired: p.login === 'needs-2fa' };
  }

  @MessagePattern(IDENTITY.confirmEmail)
  confirm(@Payload() p: P) {
    this.record(IDENTITY.confirmEmail, p);
    const id = this.s.confirmTokens.get(String(p.token));
    const account = id ? this.s.accounts.get(id) : undefined;
    if (!account)
      return fail('ACCOUNT.INVALID_TOKEN', 'The link is invalid or has expired', { attribute: 'token' });
    account.emailConfirmed = true;
    if (account.unconfirmedEmail) {
      account.email = account.unconfirmedEmail;
      account.unconfirmedEmail = null;
    }
    return this.s.view(account);
  }

  @MessagePattern(IDENTITY.getAccount)
  getAccount(@Payload() p: P) {
    this.record(IDENTITY.getAccount, p);
    return this.s.view(this.s.own(p));
  }

  @MessagePattern(IDENTITY.getUser)
  getUser(@Payload() p: P) {
    this.record(IDENTITY.getUser, p);
    const account = this.s.accounts.get(String(p.userId));
    if (!account) return fail('ACCOUNT.NOT_FOUND', 'not found');
    return this.s.userView(account);
  }

  @MessagePattern(IDENTITY.updateAccount)
  update(@Payload() p: P) {
    this.record(IDENTITY.updateAccount, p);
    const account = this.s.own(p);
    if (typeof p.username === 'string') {
      const other = this.s.findByLogin(p.username);
      if (other && other.id !== account.id)
        fail('UNIQUENESS.USERNAME_TAKEN', 'username taken', { attribute: 'username' });
      account.username = p.username;
    }
    if (typeof p.email === 'string' && p.email !== account.email) account.unconfirmedEmail = p.email;
    return this.s.view(account);
  }

  @MessagePattern(IDENTITY.changePassword)
  changePassword(@Payload() p: P) {
    this.record(IDENTITY.changePassword, p);
    const account = this.s.own(p);
    if (p.currentPassword !== account.password)
      fail('ACCOUNT.INVALID_CURRENT_PASSWORD', 'Current password is incorrect', {
        attribute: 'current_password',
      });
    if (p.password !== p.passwordConfirmation)
      fail('PASSWORD.CONFIRMATION_MISMATCH', "Password confirmation doesn't match Password", {
        pointer: '/data/attributes/password_confirmation',
      });
    checkPassword(p.password);
    account.password = String(p.password);
    this.s.secrets.add(account.password);
    return this.s.view(account);
  }

  @MessagePattern(IDENTITY.requestPasswordReset)
  requestReset(@Payload() p: P) {
    this.record(IDENTITY.requestPasswordReset, p);
    // A careless service that leaks existence: the gateway must still answer 202.
    if (p.email === 'leaky@example.com') fail('ACCOUNT.NOT_FOUND', 'not found');
    const account = this.s.findByLogin(String(p.email));
    if (account) {
      const token = newLinkToken();
      this.s.resetTokens.set(token, account.id);
      this.s.secrets.add(token);
    }
    return { ok: true };
  }

  @MessagePattern(IDENTITY.completePasswordReset)
  completeReset(@Payload() p: P) {
    this.record(IDENTITY.completePasswordReset, p);
    const id = this.s.resetTokens.get(String(p.token));
    const account = id ? this.s.accounts.get(id) : undefined;
    if (!account)
      return fail('ACCOUNT.INVALID_TOKEN', 'The link is invalid or has expired', { attribute: 'token' });
    if (p.password !== p.passwordConfirmation)
      fail('PASSWORD.CONFIRMATION_MISMATCH', "Password confirmation doesn't match Password", {
        attribute: 'password_confirmation',
      });
    checkPassword(p.password);
    account.password = String(p.password);
    this.s.secrets.add(account.password);
    this.s.resetTokens.delete(String(p.token));
    return { ok: true };
  }

  @MessagePattern(IDENTITY.retrieveIact)
  retrieveIact(@Payload() p: P) {
    this.record(IDENTITY.retrieveIact, p);
    if (!this.s.iact) return fail('IACT.NOT_FOUND', 'not found');
    this.s.secrets.add(this.s.iact);
    return { token: this.s.iact };
  }

  @MessagePattern(IDENTITY.createInitialAdmin)
  createInitialAdmin(@Payload() p: P) {
    this.record(IDENTITY.createInitialAdmin, p);
    if (!this.s.iact || p.token !== this.s.iact)
      fail('IACT.INVALID', 'The initial admin creation token is invalid or has already been used', {
        attribute: 'token',
      });
    if (this.s.findByLogin(String(p.username)))
      fail('UNIQUENESS.USERNAME_TAKEN', 'username taken', { attribute: 'username' });
    checkPassword(p.password);
    this.s.iact = null;
    const account = this.s.addAccount({
      username: String(p.username),
      email: String(p.email),
      password: String(p.password),
      isAdmin: true,
    });
    account.emailConfirmed = true;
    return this.s.view(account);
  }

  @MessagePattern(TOKEN.startSession)
  startSession(@Payload() p: P) {
    this.record(TOKEN.startSession, p);
    const session = this.s.startSession(
      String(p.userId),
      p.meta,
      typeof p.userAgent === 'string' ? p.userAgent : undefined,
    );
    if (p.twoFactorPending === true) session.twoFactorPending = true;
    const { token, ended: _ended, twoFactorPending: _pending, ...view } = session;
    return { session: view, token };
  }

  @MessagePattern(TOKEN.verifyCredential)
  async verify(@Payload() p: P) {
    this.record(TOKEN.verifyCredential, p);
    await this.s.holdVerify?.(String(p.token));
    if (this.s.verifyDelayMs) await new Promise((r) => setTimeout(r, this.s.verifyDelayMs));
    if (this.s.verifyReply) return this.s.verifyReply(String(p.token));
    const session = [...this.s.sessions.values()].find((x) => x.token === p.token && !x.ended);
    if (!session) return null;
    if (this.s.accounts.get(session.userId)?.isSuspended) return null;
    return {
      kind: 'session',
      sessionId: session.id,
      userId: session.userId,
      expiresAt: session.expiresAt,
      ...(session.impersonatorId
        ? { impersonatorId: session.impersonatorId, impersonationReason: session.impersonationReason }
        : {}),
      ...(session.twoFactorPending ? { twoFactorPending: true } : {}),
    };
  }

  @MessagePattern(TOKEN.endSession)
  endSession(@Payload() p: P) {
    this.record(TOKEN.endSession, p);
    const session = this.s.sessions.get(String(p.sessionId));
    if (!session || session.userId !== p.userId) return fail('SESSION.NOT_FOUND', 'not found');
    const ended = !session.ended;
    session.ended = true;
    return { ended };
  }

  @MessagePattern(TOKEN.listSessions)
  listSessions(@Payload() p: P) {
    this.record(TOKEN.listSessions, p);
    return {
      sessions: this.s.listSessions(
        String(p.userId),
        typeof p.currentSessionId === 'string' ? p.currentSessionId : undefined,
      ),
    };
  }

  @MessagePattern(TOKEN.endAllSessions)
  endAll(@Payload() p: P) {
    this.record(TOKEN.endAllSessions, p);
    return { ended: 0 };
  }

  /** Deleting a team or an organization closes its team tokens (none here; team-tokens.e2e.spec.ts has them). */
  @MessagePattern(TEAM_TOKEN.closeTeamTokens)
  closeTeamTokens(@Payload() p: P) {
    this.record(TEAM_TOKEN.closeTeamTokens, p);
    return { revoked: true, tokenIds: [] };
  }
}

export interface FakeServicesApp {
  app: NestFastifyApplication;
  state: FakeServiceState;
  close(): Promise<void>;
}

/**
 * A gateway test app whose `BUS_CLIENT` is an in-process bus client, with the fake identity and token services
 * answering on the same in-process broker (connected as `startHost` connects services).
 */
export const createGatewayAppWithFakeServices = async (
  options: Omit<GatewayTestAppOptions, 'bus'> & { providers?: Provider[] } = {},
): Promise<FakeServicesApp> => {
  const state = new FakeServiceState();
  const broker = new InProcessBroker({ defaultPartitions: 1, retryInitialMs: 10, retryMaxMs: 100 });
  for (const pattern of SERVICE_PATTERNS) broker.createTopic(pattern, 1);
  const client = new InProcessBusClient({ broker });
  const app = await createGatewayTestApp({
    ...options,
    bus: client,
    controllers: [FakeHandlers, FakeMembershipHandlers, ...(options.controllers ?? [])],
    providers: [
      { provide: FAKE_STATE, useValue: state },
      { provide: FAKE_MEMBERSHIP, useValue: state.membership },
      ...(options.providers ?? []),
    ],
    beforeInit: async (a) => {
      a.connectMicroservice(inProcessServerOptions({ broker, groupId: 'fake-services' }), {
        inheritAppConfig: true,
      });
      await options.beforeInit?.(a);
    },
  });
  await app.startAllMicroservices();
  return {
    app,
    state,
    close: async () => {
      await client.close();
      await app.close();
      await broker.close();
    },
  };
};
