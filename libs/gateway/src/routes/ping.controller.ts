import { Get, HttpCode, HttpStatus } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { JsonApiController } from '../http/json-api-controller';
import { PublicRoute } from '../http/request-context';

@ApiTags('meta')
@JsonApiController()
export class PingController {
  /**
   * go-tfe's `NewClient` sends exactly one such request and reads only the response headers (`TFP-API-Version`,
   * `TFP-AppName`, `X-RateLimit-Limit`): 204 with them, whatever the token, so client construction always works.
   */
  @Get('ping')
  @PublicRoute()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Ping',
    description:
      'Answers 204 with TFP-API-Version, TFP-AppName and X-RateLimit-Limit, with or without a valid token (go-tfe reads only the headers).',
  })
  @ApiNoContentResponse({
    description: 'Always; the headers carry the API version, application name and rate limit.',
  })
  ping(): void {}
}
