import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PublicRoute } from '../http/request-context';

/**
 * Terraform's service discovery document. Only what this product serves is advertised: the TFE API (its three
 * version names) — no state, registry or motd services. Without `login.v1`, `terraform login` asks the user to
 * paste a token instead of running the OAuth flow.
 */
export const TERRAFORM_SERVICES = {
  'tfe.v2': '/api/v2/',
  'tfe.v2.1': '/api/v2/',
  'tfe.v2.2': '/api/v2/',
} as const;

@ApiTags('meta')
@Controller('.well-known')
export class DiscoveryController {
  @Get('terraform.json')
  @PublicRoute()
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ summary: 'Terraform service discovery', description: 'Plain JSON, not JSON:API.' })
  @ApiOkResponse({ schema: { type: 'object', example: TERRAFORM_SERVICES } })
  terraform(): typeof TERRAFORM_SERVICES {
    return TERRAFORM_SERVICES;
  }
}
