import { IDENTITY, IMPERSONATION, type RequestMeta } from '@idp/contracts';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { FAKE_STATE, type FakeAccount, type FakeServiceState } from './fake-services';

/**
 * Fake identity site-administration patterns and token impersonation patterns (TFC-API §10), on the state of
 * `fake-services.ts`, for the gateway's admin e2e specs: mount with
 * `createGatewayAppWithFakeServices({ controllers: [FakeAdminHandlers] })`. Same refusal codes as the real
 * services (identity's `ACCOUNT.NOT_FOUND` for non-admins, the token service's `IMPERSONATION.*`).
 */
type P = Record<string, unknown> & { meta?: RequestMeta };

const fail = (code: string, message: string): never => {
  throw new RpcException({ code, message });
};

@Controller()
export class FakeAdminHandlers {
  constructor(@Inject(FAKE_STATE) private readonly s: FakeServiceState) {}

  private admin(p: P): FakeAccount {
    this.s.calls.push({ pattern: 'admin-check', payload: p });
    const actor = p.meta?.actor;
    const account = actor?.kind === 'user' ? this.s.accounts.get(actor.id) : undefined;
    if (!account || !account.isAdmin || account.isSuspended) return fail('ACCOUNT.NOT_FOUND', 'not found');
    return account;
  }

  private target(p: P): FakeAccount {
    const account = this.s.accounts.get(String(p.userId));
    if (!account) return fail('ACCOUNT.NOT_FOUND', 'not found');
    return account;
  }

  @MessagePattern(IDENTITY.adminListUsers)
  list(@Payload() p: P) {
    this.s.calls.push({ pattern: IDENTITY.adminListUsers, payload: p });
    this.admin(p);
    const all = [...this.s.accounts.values()];
    const q = typeof p.q === 'string' ? p.q.toLowerCase() : '';
    const matching = all
      .filter((a) => !q || a.username.toLowerCase().includes(q) || a.email.toLowerCase().includes(q))
      .filter((a) => p.admin === undefined || a.isAdmin === p.admin)
      .filter((a) => p.suspended === undefined || a.isSuspended === p.suspended)
      .sort((a, b) => a.username.localeCompare(b.username));
    const size = Number(p.pageSize);
    const start = (Number(p.pageNumber) - 1) * size;
    return {
      users: matching.slice(start, start + size).map((a) => this.s.view(a)),
      total: matching.length,
      statusCounts: {
        total: all.length,
        suspended: all.filter((a) => a.isSuspended).length,
        admin: all.filter((a) => a.isAdmin).length,
      },
    };
  }

  @MessagePattern(IDENTITY.adminGetUser)
  get(@Payload() p: P) {
    this.s.calls.push({ pattern: IDENTITY.adminGetUser, payload: p });
    this.admin(p);
    return this.s.view(this.target(p));
  }

  @MessagePattern(IDENTITY.adminUserAction)
  act(@Payload() p: P) {
    this.s.calls.push({ pattern: IDENTITY.adminUserAction, payload: p });
    const admin = this.admin(p);
    const user = this.target(p);
    const otherAdmins = [...this.s.accounts.values()].filter(
      (a) => a.isAdmin && !a.isSuspended && a.id !== user.id,
    ).length;
    const self = admin.id === user.id;
    const transition = (ok: boolean, message: string) => {
      if (!ok) fail('ACCOUNT.INVALID_TRANSITION', message);
    };
    if (self && otherAdmins === 0 && ['suspend', 'revoke_admin', 'delete'].includes(String(p.action)))
      fail('ACCOUNT.LAST_SITE_ADMIN', 'You cannot do that to the last site administrator');
    switch (p.action) {
      case 'suspend':
        transition(!user.isSuspended, 'user is already suspended');
        user.isSuspended = true;
        break;
      case 'unsuspend':
        transition(user.isSuspended, 'user is not suspended');
        user.isSuspended = false;
        break;
      case 'grant_admin':
        transition(!user.isAdmin, 'user is already an administrator');
        user.isAdmin = true;
        break;
      case 'revoke_admin':
        transition(user.isAdmin, 'user is not an administrator');
        user.isAdmin = false;
        break;
      case 'delete':
        this.s.accounts.delete(user.id);
        break;
      default:
        fail('REQUEST.INVALID', 'unknown action');
    }
    return this.s.view(user);
  }

  @MessagePattern(IDENTITY.adminDisableTwoFactor)
  disableTwoFactor(@Payload() p: P) {
    this.s.calls.push({ pattern: IDENTITY.adminDisableTwoFactor, payload: p });
    this.admin(p);
    const user = this.target(p);
    if (!user.twoFactor.enabled) fail('TWO_FACTOR.NOT_ENABLED', 'Two-factor authentication is not enabled');
    user.twoFactor = { enabled: false, verified: false };
    return this.s.view(user);
  }

  @MessagePattern(IMPERSONATION.start)
  startImpersonation(@Payload() p: P) {
    this.s.calls.push({ pattern: IMPERSONATION.start, payload: p });
    const admin = this.s.sessions.get(String(p.adminSessionId));
    if (!admin || admin.ended || admin.userId !== p.adminUserId)
      return fail('SESSION.NOT_FOUND', 'not found');
    if (admin.impersonatorId) fail('IMPERSONATION.FORBIDDEN', 'You are already impersonating a user');
    if (p.userId === p.adminUserId) fail('IMPERSONATION.FORBIDDEN', 'You cannot impersonate yourself');
    const session = this.s.startSession(String(p.userId), p.meta);
    session.impersonatorId = String(p.adminUserId);
    session.impersonationReason = String(p.reason);
    session.returnToSessionId = admin.id;
    const {
      token,
      ended: _e,
      impersonatorId: _i,
      impersonationReason: _r,
      returnToSessionId: _t,
      ...view
    } = session;
    return { session: view, token };
  }

  @MessagePattern(IMPERSONATION.end)
  endImpersonation(@Payload() p: P) {
    this.s.calls.push({ pattern: IMPERSONATION.end, payload: p });
    const session = this.s.sessions.get(String(p.sessionId));
    if (!session || session.userId !== p.userId || !session.impersonatorId)
      return fail('IMPERSONATION.NOT_IMPERSONATING', 'You are not impersonating a user');
    session.ended = true;
    const admin = this.s.sessions.get(session.returnToSessionId ?? '');
    if (!admin || admin.ended) return { restored: null, impersonatorId: session.impersonatorId };
    admin.ended = true;
    const fresh = this.s.startSession(admin.userId, p.meta);
    const { token, ended: _e, ...view } = fresh;
    return { restored: { session: view, token }, impersonatorId: session.impersonatorId };
  }
}
