import { CodedError } from '@idp/eventing';

/** One text message to send. */
export interface OutgoingSms {
  /** E.164 (`+14155550100`). */
  to: string;
  body: string;
  /** Stable per delivery (`<event id>:<template>`): the outbox writes a repeated key once. */
  idempotencyKey: string;
}

export interface SmsReceipt {
  /** The provider's message id (Twilio `sid`), or the outbox file's name. */
  messageId: string;
}

/**
 * Sends a text message (the notification service's SMS port; TFC-API §12: two-factor codes). Throws `SmsError`:
 * `transient` when trying again later may succeed (the provider unreachable, 429, 5xx), else permanent (a number
 * or request the provider refuses, bad credentials).
 */
export interface SmsSender {
  send(sms: OutgoingSms): Promise<SmsReceipt>;
}

export class SmsError extends CodedError {
  constructor(
    readonly transient: boolean,
    message: string,
    readonly status?: number,
  ) {
    super(transient ? 'SMS.TRANSIENT' : 'SMS.PERMANENT', message);
  }
}

/** Injection token of the process's `SmsSender`. */
export const SMS_SENDER = Symbol('SMS_SENDER');
