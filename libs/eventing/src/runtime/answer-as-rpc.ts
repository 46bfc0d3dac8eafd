import { RpcException } from '@nestjs/microservices';
import { DomainError } from '../decider/decider';

/**
 * Runs a message handler's work and answers a broken domain rule the way every service does on the bus:
 * `RpcException({ code, message, details })` (the RPC error body of @idp/contracts), which the gateway maps by
 * code. Any other error propagates, to be answered as an internal error.
 */
export const answerAsRpc = async <T>(work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (err) {
    if (err instanceof DomainError)
      throw new RpcException({
        code: err.code,
        message: err.message,
        ...(Object.keys(err.details).length ? { details: err.details } : {}),
      });
    throw err;
  }
};
