import { Controller, Inject, Logger } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import {
  completeTwoFactorRequest,
  type CompleteTwoFactorResult,
  endAllSessionsRequest,
  type EndAllSessionsResult,
  endSessionRequest,
  type EndSessionResult,
  eventsTopic,
  listSessionsRequest,
  type ListSessionsResult,
  startSessionRequest,
  type StartSessionResult,
  TOKEN,
  verifyCredentialRequest,
  type VerifyResult,
} from '@idp/contracts';
import { answerAsRpc, fromEventMessage, InvalidEventMessage, type RecordedEvent } from '@idp/eventing';
import { isApiTokenSecret } from './credentials';
import type { IdentityReactions } from './identity-reactions';
import type { OrganizationTokenService } from './organization-token.service';
import { ORGANIZATION_TOKEN_SERVICE } from './organization-tokens.handlers';
import { parseRequest } from './request-errors';
import type { SessionService } from './session.service';
import type { TeamTokenService } from './team-token.service';
import { TEAM_TOKEN_SERVICE } from './team-tokens.handlers';
import type { UserTokenService } from './user-token.service';
import { USER_TOKEN_SERVICE } from './user-tokens.handlers';

export const SESSION_SERVICE = Symbol('SESSION_SERVICE');
export const IDENTITY_REACTIONS = Symbol('IDENTITY_REACTIONS');

/** The token service's entry points on the bus: requests from the gateway, and identity's events. */
@Controller()
export class SessionHandlers {
  private readonly logger = new Logger('token.sessions');

  constructor(
    @Inject(SESSION_SERVICE) private readonly sessions: SessionService,
    @Inject(IDENTITY_REACTIONS) private readonly reactions: IdentityReactions,
    @Inject(USER_TOKEN_SERVICE) private readonly userTokens: UserTokenService,
    @Inject(ORGANIZATION_TOKEN_SERVICE) private readonly organizationTokens: OrganizationTokenService,
    @Inject(TEAM_TOKEN_SERVICE) private readonly teamTokens: TeamTokenService,
  ) {}

  @MessagePattern(TOKEN.startSession)
  start(@Payload() body: unknown): Promise<StartSessionResult> {
    return answerAsRpc(() => this.sessions.start(parseRequest(startSessionRequest, body)));
  }

  /**
   * One path for every credential: an API token is told apart from a session secret by its TFC shape (the kinds
   * share it, as in TFC), then looked up by hash, one key lookup per index: the user-token index first (the most
   * common kind: one lookup), and on a miss the organization-token and team-token indexes at once, so a team or
   * organization token costs two sequential read-store round trips, not three (in distributed mode each is a
   * database round trip). A hash is in one index at most, so at most one of the two answers. Anything else is a
   * session.
   */
  @MessagePattern(TOKEN.verifyCredential)
  verify(@Payload() body: unknown): Promise<VerifyResult> {
    return answerAsRpc(async () => {
      const { token } = parseRequest(verifyCredentialRequest, body);
      if (!isApiTokenSecret(token)) return this.sessions.verify(token);
      const user = await this.userTokens.verify(token);
      if (user) return user;
      const [organization, team] = await Promise.all([
        this.organizationTokens.verify(token),
        this.teamTokens.verify(token),
      ]);
      return organization ?? team;
    });
  }

  @MessagePattern(TOKEN.completeTwoFactor)
  completeTwoFactor(@Payload() body: unknown): Promise<CompleteTwoFactorResult> {
    return answerAsRpc(() => this.sessions.completeTwoFactor(parseRequest(completeTwoFactorRequest, body)));
  }

  @MessagePattern(TOKEN.endSession)
  end(@Payload() body: unknown): Promise<EndSessionResult> {
    return answerAsRpc(async () => ({
      ended: await this.sessions.end(parseRequest(endSessionRequest, body)),
    }));
  }

  @MessagePattern(TOKEN.listSessions)
  list(@Payload() body: unknown): Promise<ListSessionsResult> {
    return answerAsRpc(async () => ({
      sessions: await this.sessions.list(parseRequest(listSessionsRequest, body)),
    }));
  }

  @MessagePattern(TOKEN.endAllSessions)
  endAll(@Payload() body: unknown): Promise<EndAllSessionsResult> {
    return answerAsRpc(async () => ({
      ended: await this.sessions.endAllRequested(parseRequest(endAllSessionsRequest, body)),
    }));
  }

  /**
   * Identity's events (password reset, suspension, deletion end sessions). A value that is not an event envelope
   * is logged and dropped: throwing would redeliver it forever and block the partition. Anything else that fails
   * throws, and the bus redelivers (the reaction is idempotent).
   */
  @EventPattern(eventsTopic('identity'))
  async onIdentityEvent(@Payload() value: unknown): Promise<void> {
    let event: RecordedEvent;
    try {
      event = fromEventMessage(typeof value === 'string' ? value : JSON.stringify(value));
    } catch (err) {
      if (!(err instanceof InvalidEventMessage)) throw err;
      this.logger.error(`dropped a message on ${eventsTopic('identity')}: ${err.message}`);
      return;
    }
    await this.reactions.handle(event);
  }
}
