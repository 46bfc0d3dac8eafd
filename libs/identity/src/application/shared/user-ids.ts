import { type IdGenerator, randomBase58 } from '@idp/eventing';

export { randomBase58 };

/** User ids as Terraform Cloud shapes them (TFC-API §1.7): `user-` + 16 base58 characters (~94 bits). */
export const userIdGenerator: IdGenerator = { next: () => `user-${randomBase58(16)}` };

export const USER_ID_PATTERN = /^user-[1-9A-HJ-NP-Za-km-z]{1,59}$/;
