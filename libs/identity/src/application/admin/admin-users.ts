import type {
  AccountView,
  AdminListUsersRequest,
  AdminUserActionRequest,
  AdminUserList,
  RequestMeta,
  UserRequest,
} from '@idp/contracts';
import type { Filter } from '@idp/eventing';
import {
  type AccountCommand,
  AccountNotFound,
  type SiteAdminFacts,
} from '../../domain/account/account.decider';
import type { AccountDocument } from '../accounts-projection/accounts.projection';
import {
  accountViewOf,
  commandMetadata,
  handleAccountCommand,
  loadAccount,
  readAccount,
  toAccountView,
  type LiveAccount,
} from '../shared/account-store';
import type { IdentityDeps } from '../shared/identity-deps';
import { KeyedMutex } from '../shared/keyed-mutex';

/**
 * Whether `meta.actor` is an active site admin: its account stream folded (strongly consistent, so a revoked or
 * suspended admin loses the power at once). An impersonating admin acts as the impersonated user (`actor.id`), so
 * they have that user's power here, not their own.
 */
export const isActiveSiteAdmin = async (deps: IdentityDeps, meta: RequestMeta): Promise<boolean> => {
  const actor = meta.actor;
  if (actor?.kind !== 'user') return false;
  const state = await loadAccount(deps.store, actor.id);
  return state.status === 'active' && state.isSiteAdmin;
};

/** Every site-admin call from anyone else answers as an unknown user would (TFC-API §10: 404). */
const assertSiteAdmin = async (deps: IdentityDeps, meta: RequestMeta): Promise<void> => {
  if (!(await isActiveSiteAdmin(deps, meta))) throw new AccountNotFound();
};

/**
 * The facts a site-administration command is decided with. `otherActiveAdmins` is read from the `accounts` read
 * model after catching it up with this store (2 is enough: only 0 changes a decision).
 */
const siteAdminFacts = async (
  deps: IdentityDeps,
  meta: RequestMeta,
  targetId: string,
): Promise<SiteAdminFacts> => {
  const actorIsSiteAdmin = await isActiveSiteAdmin(deps, meta);
  if (!actorIsSiteAdmin) return { actorIsSiteAdmin, self: false, otherActiveAdmins: 0 };
  await deps.accounts.catchUp();
  const admins = await deps.accounts.find({
    where: { isAdmin: true, isSuspended: false },
    sort: [['id', 'asc']],
    limit: 2,
  });
  const otherActiveAdmins = admins.filter((a) => a.id !== targetId).length;
  return { actorIsSiteAdmin, self: meta.actor?.id === targetId, otherActiveAdmins };
};

/**
 * Site-admin changes run one at a time in this process, so "the last admin cannot revoke, suspend or delete
 * themselves" holds between concurrent requests of one identity replica: each decides with a count that includes
 * the previous one's write (it waits for the read model). Across replicas, two of the last admins revoking
 * themselves at the same instant on two replicas could both pass (docs: libs/identity/README.md); an operator gets
 * an admin back with the IACT procedure (a fresh token is issued at start when its consumer is no admin).
 */
const adminChanges = new KeyedMutex();

const SEARCH_FIELDS = ['username', 'email'] as const;

/** `GET /admin/users`: a page by username, the filters' total, and the instance's `status-counts`. */
export const adminListUsers = async (
  deps: IdentityDeps,
  request: AdminListUsersRequest,
): Promise<AdminUserList> => {
  await assertSiteAdmin(deps, request.meta);
  const where: Record<string, boolean> = {};
  if (request.admin !== undefined) where.isAdmin = request.admin;
  if (request.suspended !== undefined) where.isSuspended = request.suspended;
  const q = request.q?.trim();
  const filter: Filter<AccountDocument> = {
    where,
    ...(q ? { search: { text: q, fields: [...SEARCH_FIELDS] } } : {}),
  };
  const [documents, total, all, suspended, admin] = await Promise.all([
    deps.accounts.find({
      ...filter,
      sort: [['username', 'asc']],
      skip: (request.pageNumber - 1) * request.pageSize,
      limit: request.pageSize,
    }),
    deps.accounts.count(filter),
    deps.accounts.count(),
    deps.accounts.count({ where: { isSuspended: true } }),
    deps.accounts.count({ where: { isAdmin: true } }),
  ]);
  return { users: documents.map(accountViewOf), total, statusCounts: { total: all, suspended, admin } };
};

/** One user in the admin projection (impersonation checks its target with it). */
export const adminGetUser = async (deps: IdentityDeps, request: UserRequest): Promise<AccountView> => {
  await assertSiteAdmin(deps, request.meta);
  return readAccount(deps, request.userId);
};

const commandFor = (
  action: AdminUserActionRequest['action'],
  now: string,
  by: SiteAdminFacts,
): AccountCommand => {
  switch (action) {
    case 'suspend':
      return { type: 'SuspendAccount', data: { now, by } };
    case 'unsuspend':
      return { type: 'UnsuspendAccount', data: { now, by } };
    case 'grant_admin':
      return { type: 'GrantSiteAdmin', data: { by } };
    case 'revoke_admin':
      return { type: 'RevokeSiteAdmin', data: { by } };
    case 'delete':
      return { type: 'DeleteAccount', data: { now, by } };
  }
};

/**
 * `POST /admin/users/:id/actions/<action>` and `DELETE /admin/users/:id`: an account decider command with the
 * actor's site-admin facts (the decider refuses a non-admin with `ACCOUNT.NOT_FOUND`). A deletion frees the
 * username and the e-mails (confirmed and pending) the deleted account held, so they can be registered again; it
 * answers the account as it was. Other services react to the events (sessions and tokens end, memberships end).
 */
export const adminUserAction = (deps: IdentityDeps, request: AdminUserActionRequest): Promise<AccountView> =>
  adminChanges.run('site-admins', async () => {
    const before =
      request.action === 'delete' ? await readAccount(deps, request.userId).catch(() => null) : null;
    const by = await siteAdminFacts(deps, request.meta, request.userId);
    const now = deps.clock.now();
    const result = await handleAccountCommand(
      deps.store,
      request.userId,
      commandFor(request.action, now.toISOString(), by),
      commandMetadata(request.meta, now),
    );
    for (const event of result.events) {
      if (event.type !== 'AccountDeleted') continue;
      const { username, email, unconfirmedEmail } = event.data;
      const freed: Array<['username' | 'email', string]> = [
        ['username', username],
        ['email', email],
        ...(unconfirmedEmail ? [['email', unconfirmedEmail] as ['email', string]] : []),
      ];
      for (const [scope, value] of freed)
        await deps.guard.release(scope, value, request.userId).catch((err: unknown) =>
          deps.logger.error('identity: could not release a deleted account value; it stays reserved', {
            scope,
            owner: request.userId,
            error: err instanceof Error ? err.message : String(err),
          }),
        );
    }
    await deps.accounts.catchUp();
    if (request.action === 'delete') {
      if (before) return before;
      throw new AccountNotFound();
    }
    return toAccountView(result.state as LiveAccount);
  });
