import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Observable } from 'rxjs';

/**
 * `Cache-Control: no-store` on every response of a controller (`@UseInterceptors(NoStore)`): for routes whose
 * answers carry personal data (e-mail addresses) or are computed for the caller (`permissions`), which no shared
 * or browser cache should keep. Set before the handler runs, so refusals carry it too.
 */
@Injectable()
export class NoStore implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http')
      context.switchToHttp().getResponse<FastifyReply>().header('Cache-Control', 'no-store');
    return next.handle();
  }
}
