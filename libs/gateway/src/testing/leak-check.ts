import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { InjectOptions, LightMyRequestResponse as Response } from 'fastify';
import type { FakeServiceState } from './fake-services';

/**
 * `app.inject` that checks every response for secrets the fake services know (passwords, session tokens,
 * e-mailed link tokens, the IACT): none may appear in a body or a header, except where `allow` says so
 * (the session create response, the IACT routes: the secrets named, or those issued by the call itself).
 */
export const leakCheckedInject =
  (app: NestFastifyApplication, state: FakeServiceState) =>
  async (
    options: InjectOptions,
    allow: { secrets?: readonly string[]; issuedByThisCall?: boolean } = {},
  ): Promise<Response> => {
    const known = new Set(state.secrets);
    const res = await app.inject(options);
    const text = `${JSON.stringify(res.headers)}\n${res.body}`;
    for (const secret of state.secrets) {
      if (allow.secrets?.includes(secret)) continue;
      if (allow.issuedByThisCall && !known.has(secret)) continue;
      if (text.includes(secret))
        throw new Error(
          `${options.method ?? 'GET'} ${String(options.url)} leaked a secret: ${secret.slice(0, 6)}…`,
        );
    }
    if (/"password"\s*:/.test(res.body))
      throw new Error(`${options.method ?? 'GET'} ${String(options.url)} returned a password attribute`);
    return res;
  };
