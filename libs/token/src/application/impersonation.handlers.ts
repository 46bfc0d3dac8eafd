import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  endImpersonationRequest,
  type EndImpersonationResult,
  IMPERSONATION,
  startImpersonationRequest,
  type StartSessionResult,
} from '@idp/contracts';
import { answerAsRpc } from '@idp/eventing';
import { parseRequest } from './request-errors';
import type { SessionService } from './session.service';
import { SESSION_SERVICE } from './sessions.handlers';

/** Impersonation sessions (TFC-API §10) on the bus: `token.start-impersonation`, `token.end-impersonation`. */
@Controller()
export class ImpersonationHandlers {
  constructor(@Inject(SESSION_SERVICE) private readonly sessions: SessionService) {}

  @MessagePattern(IMPERSONATION.start)
  start(@Payload() body: unknown): Promise<StartSessionResult> {
    return answerAsRpc(() => this.sessions.startImpersonation(parseRequest(startImpersonationRequest, body)));
  }

  @MessagePattern(IMPERSONATION.end)
  end(@Payload() body: unknown): Promise<EndImpersonationResult> {
    return answerAsRpc(() => this.sessions.endImpersonation(parseRequest(endImpersonationRequest, body)));
  }
}
