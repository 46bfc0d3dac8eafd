import { tokenTtlPolicyChanges } from '@idp/contracts';
import { z } from 'zod';
import { jsonApiBody } from '../validation/json-api-body';

/**
 * `PATCH /organizations/:name/token-ttl-policies` (TFC-API §5.4):
 * `{"data":{"type":"organization-token-ttl-policies","attributes":{"token-ttl-policies":[{"token-type":"user",
 * "max-ttl-ms":2592000000}]}}}`, bounded by the very schema the membership request uses (`tokenTtlPolicyChanges`).
 * Every bad entry is a 422 whose pointer names it, e.g. `/data/attributes/token-ttl-policies/1/token-type` for a
 * duplicate.
 */
export const setTokenTtlPoliciesBody = jsonApiBody({
  type: 'organization-token-ttl-policies',
  attributes: z.object({
    tokenTtlPolicies: tokenTtlPolicyChanges,
  }),
});
