export * from './token.module';
export * from './token.config';
export { SessionService } from './application/session.service';
export {
  type SessionEndReason,
  type SessionEvent,
  sessionDecider,
  SessionNotFound,
} from './domain/session/session.decider';
export { DEFAULT_SESSION_POLICY, type SessionPolicy } from './domain/session/session-policy';
export { UserTokenService } from './application/user-token.service';
export {
  type UserTokenEvent,
  userTokenDecider,
  UserTokenNotFound,
} from './domain/user-token/user-token.decider';
export { type TokenOwnerEvent, tokenOwnerDecider } from './domain/user-token/token-owner.decider';
export { OrganizationTokenService } from './application/organization-token.service';
export {
  type OrganizationTokenEvent,
  organizationTokenDecider,
  OrganizationTokenNotFound,
  organizationTokenStream,
} from './domain/organization-token/organization-token.decider';
