import { InvalidRequest, requestParser } from '@idp/eventing';

/** Parses a request against its contract schema; `TOKEN.INVALID_REQUEST` naming the first bad field. */
export const parseRequest = requestParser('TOKEN');

/** A token request that is well-formed but cannot be served as asked (`TOKEN.INVALID_REQUEST`). */
export const invalidTokenRequest = (message: string, attribute?: string): InvalidRequest =>
  new InvalidRequest('TOKEN', message, attribute);
