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
