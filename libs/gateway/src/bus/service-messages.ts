import {
  type CompleteTwoFactorRequest,
  type CompleteTwoFactorResult,
  type EndAllSessionsRequest,
  type EndAllSessionsResult,
  type EndSessionRequest,
  type EndSessionResult,
  IDENTITY,
  type IdentityMessages,
  IMPERSONATION,
  type ImpersonationMessages,
  type ListSessionsRequest,
  type ListSessionsResult,
  MEMBERSHIP,
  type MembershipMessages,
  ORG_TOKEN,
  type OrganizationTokenMessages,
  type StartSessionRequest,
  type StartSessionResult,
  TEAM_TOKEN,
  type TeamTokenMessages,
  TOKEN,
  TWO_FACTOR,
  type TwoFactorMessages,
  USER_TOKEN,
  type UserTokenMessages,
  type VerifyCredentialRequest,
  type VerifyResult,
} from '@idp/contracts';

/** Request and reply of every token pattern (the identity service's map lives in contracts). */
export interface TokenMessages {
  [TOKEN.startSession]: { request: StartSessionRequest; reply: StartSessionResult };
  [TOKEN.verifyCredential]: { request: VerifyCredentialRequest; reply: VerifyResult };
  [TOKEN.endSession]: { request: EndSessionRequest; reply: EndSessionResult };
  [TOKEN.listSessions]: { request: ListSessionsRequest; reply: ListSessionsResult };
  [TOKEN.endAllSessions]: { request: EndAllSessionsRequest; reply: EndAllSessionsResult };
  [TOKEN.completeTwoFactor]: { request: CompleteTwoFactorRequest; reply: CompleteTwoFactorResult };
}

/** Every request-reply pattern the gateway sends, with its request and reply types. */
export type ServiceMessages = IdentityMessages &
  TokenMessages &
  UserTokenMessages &
  MembershipMessages &
  OrganizationTokenMessages &
  TeamTokenMessages &
  ImpersonationMessages &
  TwoFactorMessages;
export type ServicePattern = keyof ServiceMessages;

/** What a caller passes: the request without `meta`, which `ServiceClient` attaches. */
export type RequestOf<P extends ServicePattern> = Omit<ServiceMessages[P]['request'], 'meta'>;
export type ReplyOf<P extends ServicePattern> = ServiceMessages[P]['reply'];

/** The reply topics the gateway listens on: subscribed before the bus client connects. */
export const SERVICE_PATTERNS: readonly ServicePattern[] = [
  ...Object.values(IDENTITY),
  ...Object.values(TOKEN),
  ...Object.values(USER_TOKEN),
  ...Object.values(MEMBERSHIP),
  ...Object.values(ORG_TOKEN),
  ...Object.values(TEAM_TOKEN),
  ...Object.values(IMPERSONATION),
  ...Object.values(TWO_FACTOR),
];
