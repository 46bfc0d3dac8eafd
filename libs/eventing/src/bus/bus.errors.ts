import { CodedError } from '../errors/coded-error';

/** Base of the errors the bus itself raises (not handler errors); `code` is stable and grep-able. */
export class BusError extends CodedError {}

/** The broker or client was closed: the operation did not happen, or its outcome is unknown. */
export class BusClosed extends BusError {
  constructor(what: string) {
    super('BUS.CLOSED', `${what} is closed`);
  }
}

/** A pattern is not a legal Kafka topic name (`[a-zA-Z0-9._-]{1,249}`); rejected on both transports. */
export class InvalidTopicName extends BusError {
  constructor(readonly topic: string) {
    super('BUS.INVALID_TOPIC', `"${topic}" is not a valid topic name: use 1-249 of [a-zA-Z0-9._-]`);
  }
}
