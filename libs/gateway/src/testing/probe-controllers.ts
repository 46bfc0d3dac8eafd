import { Controller, Get } from '@nestjs/common';
import { JsonApiController } from '../http/json-api-controller';
import { CurrentPrincipal, type Principal } from '../http/request-context';

/** For gateway tests: an authenticated `/api/v2/whoami` route that echoes the principal. */
@JsonApiController('whoami')
export class WhoAmIController {
  @Get()
  whoami(@CurrentPrincipal() principal: Principal) {
    return { principal };
  }
}

/** For gateway tests: a route outside `/api/v2` (as the ops probes are), never authenticated or limited. */
@Controller('outside')
export class OutsideController {
  @Get()
  get() {
    return { ok: true };
  }
}
