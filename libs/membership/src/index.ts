export * from './membership.module';
export {
  DEFAULT_ORGANIZATION_SETTINGS,
  MembershipService,
  ORGANIZATION_NAME_SCOPE,
} from './application/membership.service';
export { MembershipQueries } from './application/membership.queries';
export { publicMembershipEvent, toMembershipIntegrationEvent } from './application/membership-relay.selector';
export { newInvitationToken, parseInvitationToken } from './application/invitation-token';
export { type MirroredUser, type UserMirrorEvent, userMirrorStream } from './application/user-mirror';
export {
  type MembershipDocument,
  type OrganizationDocument,
  type TeamDocument,
  type UserDocument,
  directoryProjection,
} from './application/directory.projection';
export { organizationDecider } from './domain/organization/organization.decider';
export {
  type Actor,
  INVITATION_TTL_MS,
  type OrganizationEvent,
  organizationStream,
} from './domain/organization/organization.types';
export * from './domain/organization/errors';
