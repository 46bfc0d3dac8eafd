/** Injection token of the gateway's `CredentialCache`. */
export const CREDENTIAL_CACHE = Symbol('CREDENTIAL_CACHE');

/** Injection token of the clock (`() => epoch ms`) the authentication code uses; tests replace it. */
export const AUTH_CLOCK = Symbol('AUTH_CLOCK');
