import { MAX_TOKEN_TTL_MS, TOKEN_TTL_TYPES } from '@idp/contracts';
import { z } from 'zod';
import { jsonApiBody } from '../validation/json-api-body';

/**
 * `PATCH /organizations/:name/token-ttl-policies` (TFC-API §5.4):
 * `{"data":{"type":"organization-token-ttl-policies","attributes":{"token-ttl-policies":[{"token-type":"user",
 * "max-ttl-ms":2592000000}]}}}`. Bounded as the membership contract bounds it (`setTokenTtlPoliciesRequest`): at
 * least one entry, each `token-type` one of `TOKEN_TTL_TYPES` and at most once, `max-ttl-ms` a positive integer of at
 * most `MAX_TOKEN_TTL_MS` (two years). Every bad entry is a 422 whose pointer names it, e.g.
 * `/data/attributes/token-ttl-policies/1/token-type` for a duplicate.
 */
export const setTokenTtlPoliciesBody = jsonApiBody({
  type: 'organization-token-ttl-policies',
  attributes: z.object({
    tokenTtlPolicies: z
      .array(
        z.object({
          tokenType: z.enum(TOKEN_TTL_TYPES),
          maxTtlMs: z.number().int().positive().max(MAX_TOKEN_TTL_MS),
        }),
      )
      .min(1)
      .max(TOKEN_TTL_TYPES.length)
      .superRefine((list, ctx) => {
        const seen = new Set<string>();
        list.forEach((policy, i) => {
          if (seen.has(policy.tokenType))
            ctx.addIssue({ code: 'custom', path: [i, 'tokenType'], message: 'must appear only once' });
          seen.add(policy.tokenType);
        });
      }),
  }),
});
