import { z } from 'zod';
import { requestMetaSchema } from '../rpc';

/** Request-reply patterns the identity service answers (gateway → identity). */
export const IDENTITY = {
  registerAccount: 'identity.register-account',
  authenticate: 'identity.authenticate',
  confirmEmail: 'identity.confirm-email',
  resendConfirmation: 'identity.resend-confirmation',
  getAccount: 'identity.get-account',
  getUser: 'identity.get-user',
  updateAccount: 'identity.update-account',
  changePassword: 'identity.change-password',
  requestPasswordReset: 'identity.request-password-reset',
  completePasswordReset: 'identity.complete-password-reset',
  retrieveIact: 'identity.retrieve-iact',
  createInitialAdmin: 'identity.create-initial-admin',
  /**
   * Site administration (TFC-API §10): a site admin turns off a user's 2FA. Request `UserRequest` (the target in
   * `userId`, the admin in `meta.actor`); `ACCOUNT.NOT_FOUND` for a non-admin actor or an unknown user,
   * `TWO_FACTOR.NOT_ENABLED` (400) when the user has no 2FA.
   */
  adminDisableTwoFactor: 'identity.admin-disable-two-factor',
  /**
   * Site administration (TFC-API §10), all answered `ACCOUNT.NOT_FOUND` when `meta.actor` is not an active site
   * admin (as for an unknown user): the users list (`AdminListUsersRequest` → `AdminUserList`), one user
   * (`UserRequest` → `AccountView`), and the account actions (`AdminUserActionRequest` → `AccountView`; for
   * `delete`, the account as it was). Refusals: `ACCOUNT.INVALID_TRANSITION` (400: already suspended, not
   * suspended, already admin, not admin), `ACCOUNT.LAST_SITE_ADMIN` (422: the last active site admin revoking,
   * suspending or deleting themselves).
   */
  adminListUsers: 'identity.admin-list-users',
  adminGetUser: 'identity.admin-get-user',
  adminUserAction: 'identity.admin-user-action',
} as const;

// Strings arrive from the HTTP edge already shape-checked; the service validates meaning (username rules,
// password policy). Bounds here only keep absurd payloads off the bus.
const text = (max: number) => z.string().max(max);
const password = text(1024);

export const registerAccountRequest = z.object({
  meta: requestMetaSchema,
  username: text(256),
  email: text(320),
  password,
  invitationToken: text(512).optional(),
});
export const authenticateRequest = z.object({ meta: requestMetaSchema, login: text(320), password });
export const confirmEmailRequest = z.object({ meta: requestMetaSchema, token: text(512) });
export const userRequest = z.object({ meta: requestMetaSchema, userId: text(64) });
export const updateAccountRequest = z.object({
  meta: requestMetaSchema,
  userId: text(64),
  username: text(256).optional(),
  email: text(320).optional(),
});
export const changePasswordRequest = z.object({
  meta: requestMetaSchema,
  userId: text(64),
  currentPassword: password,
  password,
  passwordConfirmation: password,
});
export const requestPasswordResetRequest = z.object({ meta: requestMetaSchema, email: text(320) });
export const completePasswordResetRequest = z.object({
  meta: requestMetaSchema,
  token: text(512),
  password,
  passwordConfirmation: password,
});
/** Loopback-only at the gateway (TFC-API §10): the IACT, while no initial admin exists. */
export const retrieveIactRequest = z.object({ meta: requestMetaSchema });
export const createInitialAdminRequest = z.object({
  meta: requestMetaSchema,
  token: text(512),
  username: text(256),
  email: text(320),
  password,
});

export const adminListUsersRequest = z.object({
  meta: requestMetaSchema,
  /** Case-insensitive match anywhere in the username or the e-mail. */
  q: text(256).optional(),
  admin: z.boolean().optional(),
  suspended: z.boolean().optional(),
  /** 1-based. */
  pageNumber: z.number().int().min(1).max(1_000_000),
  pageSize: z.number().int().min(1).max(100),
});
export const ADMIN_USER_ACTIONS = ['suspend', 'unsuspend', 'grant_admin', 'revoke_admin', 'delete'] as const;
export type AdminUserAction = (typeof ADMIN_USER_ACTIONS)[number];
export const adminUserActionRequest = z.object({
  meta: requestMetaSchema,
  userId: text(64),
  action: z.enum(ADMIN_USER_ACTIONS),
});

export type RegisterAccountRequest = z.infer<typeof registerAccountRequest>;
export type AdminListUsersRequest = z.infer<typeof adminListUsersRequest>;
export type AdminUserActionRequest = z.infer<typeof adminUserActionRequest>;
export type AuthenticateRequest = z.infer<typeof authenticateRequest>;
export type ConfirmEmailRequest = z.infer<typeof confirmEmailRequest>;
export type UserRequest = z.infer<typeof userRequest>;
export type UpdateAccountRequest = z.infer<typeof updateAccountRequest>;
export type ChangePasswordRequest = z.infer<typeof changePasswordRequest>;
export type RequestPasswordResetRequest = z.infer<typeof requestPasswordResetRequest>;
export type CompletePasswordResetRequest = z.infer<typeof completePasswordResetRequest>;
export type RetrieveIactRequest = z.infer<typeof retrieveIactRequest>;
export type CreateInitialAdminRequest = z.infer<typeof createInitialAdminRequest>;

/** The private projection of a user: the account endpoints and admin views (TFC-API §2, §3.2). */
export interface AccountView {
  id: string;
  username: string;
  email: string;
  unconfirmedEmail: string | null;
  emailConfirmed: boolean;
  avatarUrl: string;
  isAdmin: boolean;
  isSuspended: boolean;
  isServiceAccount: false;
  twoFactor: { enabled: boolean; verified: boolean };
  createdAt: string;
}

/** The public projection (`GET /users/:id`): never the e-mail. */
export type UserView = Pick<AccountView, 'id' | 'username' | 'avatarUrl' | 'isServiceAccount'>;

/** A page of the admin users list, sorted by username; `total` matches the filters, `statusCounts` the instance. */
export interface AdminUserList {
  users: AccountView[];
  total: number;
  statusCounts: { total: number; suspended: number; admin: number };
}

export interface AuthenticateResult {
  userId: string;
  twoFactorRequired: boolean;
  /** How the second factor is delivered, when one is required (an `sms` login asks for a code to be sent). */
  twoFactorDelivery?: 'app' | 'sms';
}

/** Reply of the patterns that answer nothing but success (`204`/`202` at the HTTP edge). */
export interface Acknowledged {
  ok: true;
}

export interface RetrieveIactResult {
  token: string;
}

/**
 * Request and reply of every pattern. Errors come back as `RpcErrorBody` (`rpc.ts`); a payload that does not match
 * its schema as code `REQUEST.INVALID` with `details.issues`.
 *
 * Account patterns that act on `userId` (get-account, update-account, change-password, resend-confirmation) answer
 * only when `meta.actor` is that user (or `system`); otherwise `ACCOUNT.NOT_FOUND`, as for an unknown user.
 */
export interface IdentityMessages {
  [IDENTITY.registerAccount]: { request: RegisterAccountRequest; reply: AccountView };
  [IDENTITY.authenticate]: { request: AuthenticateRequest; reply: AuthenticateResult };
  [IDENTITY.confirmEmail]: { request: ConfirmEmailRequest; reply: AccountView };
  [IDENTITY.resendConfirmation]: { request: UserRequest; reply: AccountView };
  [IDENTITY.getAccount]: { request: UserRequest; reply: AccountView };
  [IDENTITY.getUser]: { request: UserRequest; reply: UserView };
  [IDENTITY.updateAccount]: { request: UpdateAccountRequest; reply: AccountView };
  [IDENTITY.changePassword]: { request: ChangePasswordRequest; reply: AccountView };
  [IDENTITY.requestPasswordReset]: { request: RequestPasswordResetRequest; reply: Acknowledged };
  [IDENTITY.completePasswordReset]: { request: CompletePasswordResetRequest; reply: Acknowledged };
  [IDENTITY.retrieveIact]: { request: RetrieveIactRequest; reply: RetrieveIactResult };
  [IDENTITY.createInitialAdmin]: { request: CreateInitialAdminRequest; reply: AccountView };
  [IDENTITY.adminDisableTwoFactor]: { request: UserRequest; reply: AccountView };
  [IDENTITY.adminListUsers]: { request: AdminListUsersRequest; reply: AdminUserList };
  [IDENTITY.adminGetUser]: { request: UserRequest; reply: AccountView };
  [IDENTITY.adminUserAction]: { request: AdminUserActionRequest; reply: AccountView };
}
