import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  createUserTokenRequest,
  type CreateUserTokenResult,
  listUserTokensRequest,
  type ListUserTokensResult,
  type RevokeUserTokenResult,
  USER_TOKEN,
  userTokenRequest,
  type UserTokenView,
} from '@idp/contracts';
import { answerAsRpc } from '@idp/eventing';
import { parseRequest } from './request-errors';
import type { UserTokenService } from './user-token.service';

export const USER_TOKEN_SERVICE = Symbol('USER_TOKEN_SERVICE');

/**
 * User API tokens on the bus (requests from the gateway). Verification of their secrets goes through
 * `token.verify-credential` (`SessionHandlers.verify`), which tells the two kinds apart by the secret's shape.
 */
@Controller()
export class UserTokenHandlers {
  constructor(@Inject(USER_TOKEN_SERVICE) private readonly tokens: UserTokenService) {}

  @MessagePattern(USER_TOKEN.createUserToken)
  create(@Payload() body: unknown): Promise<CreateUserTokenResult> {
    return answerAsRpc(() => this.tokens.create(parseRequest(createUserTokenRequest, body)));
  }

  @MessagePattern(USER_TOKEN.listUserTokens)
  list(@Payload() body: unknown): Promise<ListUserTokensResult> {
    return answerAsRpc(async () => ({
      tokens: await this.tokens.list(parseRequest(listUserTokensRequest, body).userId),
    }));
  }

  @MessagePattern(USER_TOKEN.getUserToken)
  get(@Payload() body: unknown): Promise<UserTokenView> {
    return answerAsRpc(async () => {
      const { userId, tokenId } = parseRequest(userTokenRequest, body);
      return this.tokens.get(userId, tokenId);
    });
  }

  @MessagePattern(USER_TOKEN.revokeUserToken)
  revoke(@Payload() body: unknown): Promise<RevokeUserTokenResult> {
    return answerAsRpc(async () => {
      await this.tokens.revoke(parseRequest(userTokenRequest, body));
      return { revoked: true as const };
    });
  }
}
