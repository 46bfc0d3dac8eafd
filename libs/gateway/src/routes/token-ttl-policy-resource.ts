import type { TokenTtlPolicy, TokenTtlPolicyList } from '@idp/contracts';
import { resource, type ResourceObject } from '../jsonapi/resource';
import { toTimestamp } from '../jsonapi/timestamp';

/**
 * The JSON:API id of an organization's policy for one token type: `<org id>-<token type>` (`org-…-user`). TFC does
 * not document its ids; this one is stable (an organization has at most one policy per type and its `org-…` id
 * survives renames) and needs no storage.
 */
export const tokenTtlPolicyId = (organizationId: string, tokenType: TokenTtlPolicy['tokenType']): string =>
  `${organizationId}-${tokenType}`;

/** One token TTL policy (TFC-API §5.4): type `organization-token-ttl-policies`. */
export const tokenTtlPolicyResource = (
  organizationId: string,
  policy: TokenTtlPolicy,
): ResourceObject<'organization-token-ttl-policies'> =>
  resource('organization-token-ttl-policies', tokenTtlPolicyId(organizationId, policy.tokenType), {
    tokenType: policy.tokenType,
    maxTtlMs: policy.maxTtlMs,
    createdAt: toTimestamp(policy.createdAt),
    updatedAt: toTimestamp(policy.updatedAt),
  });

/** Every policy of the organization (one per type that has a maximum), as `data` of a list document. */
export const tokenTtlPolicyResources = (list: TokenTtlPolicyList) =>
  list.policies.map((policy) => tokenTtlPolicyResource(list.organizationId, policy));
