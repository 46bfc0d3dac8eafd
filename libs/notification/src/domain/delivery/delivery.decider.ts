import { type CommandMetadata, type Decider, DomainError } from '@idp/eventing';

/*
 * One notification's delivery, as events in the notification service's own store (`delivery-<event id>`): who it
 * is for, each attempt, and how it ended. Never the body, never a link token. The stream is the idempotency
 * record: an append with the expected revision claims an attempt, so of two concurrent deliveries of one event
 * only one sends, and a redelivery after the outcome is recorded sends nothing.
 */

/** Which mail a delivery sends. Stored in events: never rename a value. */
export type MailTemplate =
  | 'email-confirmation'
  | 'email-change-confirmation'
  | 'password-reset'
  | 'password-changed'
  | 'email-changed'
  | 'invitation'
  /** A two-factor code by SMS (`to` is the phone number); the same delivery stream and log as mails. */
  | 'two-factor-sms';

/** What is known about a failed attempt, for operators. Never the message body or a token. */
export interface DeliveryFailure {
  /** Stable code: `MAIL.TRANSIENT`, `MAIL.PERMANENT`, `CRYPTO.SEALED_VALUE_INVALID`, `NOTIFICATION.*`. */
  code: string;
  message: string;
  smtpCode?: number;
  /** Low-level code (`ECONNREFUSED`, `EENVELOPE`, …). */
  errorCode?: string;
  /** SMTP command that failed (`RCPT TO`, `DATA`). */
  command?: string;
  /** The server's reply, truncated. */
  response?: string;
}

/** Why an attempt was claimed: the first one, after a transient failure, or after a holder's lease ran out. */
export type AttemptReason = 'first' | 'retry' | 'lease-expired';

export type DeliveryEvent =
  | {
      type: 'DeliveryRequested';
      data: {
        eventId: string;
        eventType: string;
        template: MailTemplate;
        userId: string;
        to: string;
        /** 1-based; one per claim, so the bound on attempts holds across restarts and replicas. */
        attempt: number;
        reason: AttemptReason;
        /** Until then no other delivery of this event may send; after it, another may take over. */
        leaseUntil: string;
        requestedAt: string;
      };
    }
  | {
      type: 'DeliverySucceeded';
      data: { attempt: number; messageId: string; duplicate: boolean; sentAt: string };
    }
  | { type: 'DeliveryFailedTransiently'; data: { attempt: number; error: DeliveryFailure; failedAt: string } }
  | {
      type: 'DeliveryFailedPermanently';
      data: { attempt: number; error: DeliveryFailure; failedAt: string };
    };

export type DeliveryEventType = DeliveryEvent['type'];

export type DeliveryState =
  | { status: 'none' }
  | { status: 'sending'; attempt: number; leaseUntil: string }
  | { status: 'retrying'; attempt: number }
  | { status: 'sent'; attempt: number }
  | { status: 'failed'; attempt: number };

type Meta = { metadata?: CommandMetadata };

export type DeliveryCommand =
  | ({
      type: 'RequestDelivery';
      data: {
        eventId: string;
        eventType: string;
        template: MailTemplate;
        userId: string;
        to: string;
        leaseMs: number;
        maxAttempts: number;
      };
    } & Meta)
  | ({ type: 'RecordSent'; data: { attempt: number; messageId: string; duplicate: boolean } } & Meta)
  | ({
      type: 'RecordFailure';
      data: { attempt: number; transient: boolean; error: DeliveryFailure; maxAttempts: number };
    } & Meta);

/** Another delivery of this event holds an unexpired lease: it may be sending right now. Retry later. */
export class DeliveryInProgress extends DomainError {
  constructor(eventId: string, attempt: number, leaseUntil: string) {
    super(
      'NOTIFICATION.DELIVERY_IN_PROGRESS',
      `delivery of event ${eventId} (attempt ${attempt}) is in progress until ${leaseUntil}`,
      { eventId, attempt, leaseUntil },
    );
  }
}

/** An outcome was reported for a delivery that was never claimed: a bug in the caller. */
export class DeliveryNotRequested extends DomainError {
  constructor() {
    super('NOTIFICATION.DELIVERY_NOT_REQUESTED', 'no attempt of this delivery was claimed');
  }
}

/** The code of the permanent failure recorded when the attempts run out. */
export const ATTEMPTS_EXHAUSTED = 'NOTIFICATION.ATTEMPTS_EXHAUSTED';

export const deliveryStream = (eventId: string): string => `delivery-${eventId}`;

const nowOf = (command: Meta): string => {
  const now = command.metadata?.now;
  if (!now) throw new Error('delivery commands need metadata.now');
  return now;
};

const exhausted = (attempt: number, failedAt: string, last?: DeliveryFailure): DeliveryEvent => ({
  type: 'DeliveryFailedPermanently',
  data: {
    attempt,
    failedAt,
    error: {
      ...last,
      code: ATTEMPTS_EXHAUSTED,
      message: `gave up after ${attempt} attempt${attempt === 1 ? '' : 's'}${last ? `; last: ${last.message}` : ''}`,
    },
  },
});

export const deliveryDecider: Decider<DeliveryCommand, DeliveryEvent, DeliveryState> = {
  initialState: () => ({ status: 'none' }),

  evolve: (state, event) => {
    switch (event.type) {
      case 'DeliveryRequested':
        return { status: 'sending', attempt: event.data.attempt, leaseUntil: event.data.leaseUntil };
      case 'DeliverySucceeded':
        return { status: 'sent', attempt: event.data.attempt };
      case 'DeliveryFailedTransiently':
        return { status: 'retrying', attempt: event.data.attempt };
      case 'DeliveryFailedPermanently':
        return { status: 'failed', attempt: event.data.attempt };
      default:
        return state;
    }
  },

  decide: (command, state) => {
    const now = nowOf(command);
    switch (command.type) {
      case 'RequestDelivery': {
        const { leaseMs, maxAttempts, ...identity } = command.data;
        if (state.status === 'sent' || state.status === 'failed') return []; // decided already: send nothing
        let reason: AttemptReason = 'first';
        if (state.status === 'sending') {
          if (Date.parse(now) < Date.parse(state.leaseUntil))
            throw new DeliveryInProgress(identity.eventId, state.attempt, state.leaseUntil);
          // The holder died (or stalled past its lease) without an outcome: it may have sent. Taking over
          // risks one duplicate, recognisable by its Message-ID; never taking over would lose the mail.
          reason = 'lease-expired';
        } else if (state.status === 'retrying') reason = 'retry';
        if (state.status !== 'none' && state.attempt >= maxAttempts) return [exhausted(state.attempt, now)];
        const attempt = state.status === 'none' ? 1 : state.attempt + 1;
        return [
          {
            type: 'DeliveryRequested',
            data: {
              ...identity,
              attempt,
              reason,
              leaseUntil: new Date(Date.parse(now) + leaseMs).toISOString(),
              requestedAt: now,
            },
          },
        ];
      }
      case 'RecordSent': {
        if (state.status === 'none') throw new DeliveryNotRequested();
        if (state.status === 'sent') return [];
        // Recorded even when a later attempt took over or the delivery was given up: it did go out.
        return [{ type: 'DeliverySucceeded', data: { ...command.data, sentAt: now } }];
      }
      case 'RecordFailure': {
        if (state.status === 'none') throw new DeliveryNotRequested();
        const { attempt, transient, error, maxAttempts } = command.data;
        // An outcome of an attempt that no longer holds the delivery changes nothing.
        if (state.status !== 'sending' || state.attempt !== attempt) return [];
        if (!transient)
          return [{ type: 'DeliveryFailedPermanently', data: { attempt, error, failedAt: now } }];
        const failed: DeliveryEvent = {
          type: 'DeliveryFailedTransiently',
          data: { attempt, error, failedAt: now },
        };
        return attempt >= maxAttempts ? [failed, exhausted(attempt, now, error)] : [failed];
      }
    }
  },
};
