import { spec } from '@idp/eventing/testing';
import {
  ATTEMPTS_EXHAUSTED,
  type DeliveryCommand,
  deliveryDecider,
  type DeliveryEvent,
  DeliveryInProgress,
  DeliveryNotRequested,
  deliveryStream,
} from './delivery.decider';

const T0 = '2025-03-01T09:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();
const who = {
  eventId: 'e-1',
  eventType: 'PasswordResetRequested',
  template: 'password-reset' as const,
  userId: 'user-1',
  to: 'ada@example.com',
};
const request = (now = T0, maxAttempts = 3): DeliveryCommand => ({
  type: 'RequestDelivery',
  data: { ...who, leaseMs: 60_000, maxAttempts },
  metadata: { now },
});
const requested = (
  attempt: number,
  reason: 'first' | 'retry' | 'lease-expired',
  now = T0,
): DeliveryEvent => ({
  type: 'DeliveryRequested',
  data: {
    ...who,
    attempt,
    reason,
    leaseUntil: new Date(Date.parse(now) + 60_000).toISOString(),
    requestedAt: now,
  },
});
const smtp451 = { code: 'MAIL.TRANSIENT', message: 'greylisted', smtpCode: 451 };
const smtp550 = { code: 'MAIL.PERMANENT', message: 'no such user', smtpCode: 550 };
const failure = (attempt: number, transient: boolean, error = transient ? smtp451 : smtp550, now = T0) =>
  ({
    type: 'RecordFailure',
    data: { attempt, transient, error, maxAttempts: 3 },
    metadata: { now },
  }) as DeliveryCommand;
const sent = (attempt: number): DeliveryCommand => ({
  type: 'RecordSent',
  data: { attempt, messageId: '<abc@localhost>', duplicate: false },
  metadata: { now: at(1) },
});
const failedTransiently = (attempt: number): DeliveryEvent => ({
  type: 'DeliveryFailedTransiently',
  data: { attempt, error: smtp451, failedAt: T0 },
});

describe('delivery decider', () => {
  it('names the stream after the event', () => {
    expect(deliveryStream('0190-abc')).toBe('delivery-0190-abc');
  });

  describe('claiming an attempt', () => {
    it('claims the first attempt of a new delivery, with a lease', () => {
      spec(deliveryDecider)
        .given([])
        .when(request())
        .then([requested(1, 'first')]);
    });

    it('refuses while another attempt holds an unexpired lease: it may be sending right now', () => {
      spec(deliveryDecider)
        .given([requested(1, 'first')])
        .when(request(at(59)))
        .thenThrows(DeliveryInProgress, { code: 'NOTIFICATION.DELIVERY_IN_PROGRESS' });
    });

    it('takes over once the lease expired without an outcome (the holder crashed)', () => {
      spec(deliveryDecider)
        .given([requested(1, 'first')])
        .when(request(at(60)))
        .then([requested(2, 'lease-expired', at(60))]);
    });

    it('claims the next attempt after a transient failure', () => {
      spec(deliveryDecider)
        .given([requested(1, 'first'), failedTransiently(1)])
        .when(request(at(1)))
        .then([requested(2, 'retry', at(1))]);
    });

    it('sends nothing again once sent: a redelivery is a no-op', () => {
      spec(deliveryDecider)
        .given([
          requested(1, 'first'),
          { type: 'DeliverySucceeded', data: { attempt: 1, messageId: 'm', duplicate: false, sentAt: T0 } },
        ])
        .when(request(at(3600)))
        .thenNothingHappened();
    });

    it('sends nothing again once given up', () => {
      spec(deliveryDecider)
        .given([
          requested(1, 'first'),
          { type: 'DeliveryFailedPermanently', data: { attempt: 1, error: smtp550, failedAt: T0 } },
        ])
        .when(request(at(3600)))
        .thenNothingHappened();
    });

    it('gives up when the lease of the last allowed attempt expired too', () => {
      spec(deliveryDecider)
        .given([
          requested(1, 'first'),
          failedTransiently(1),
          requested(2, 'retry'),
          failedTransiently(2),
          requested(3, 'retry'),
        ])
        .when(request(at(61)))
        .then([
          {
            type: 'DeliveryFailedPermanently',
            data: {
              attempt: 3,
              failedAt: at(61),
              error: { code: ATTEMPTS_EXHAUSTED, message: 'gave up after 3 attempts' },
            },
          },
        ]);
    });
  });

  describe('recording the outcome', () => {
    it('records a success', () => {
      spec(deliveryDecider)
        .given([requested(1, 'first')])
        .when(sent(1))
        .then([
          {
            type: 'DeliverySucceeded',
            data: { attempt: 1, messageId: '<abc@localhost>', duplicate: false, sentAt: at(1) },
          },
        ]);
    });

    it('records a success once', () => {
      spec(deliveryDecider)
        .given([
          requested(1, 'first'),
          { type: 'DeliverySucceeded', data: { attempt: 1, messageId: 'm', duplicate: false, sentAt: T0 } },
        ])
        .when(sent(1))
        .thenNothingHappened();
    });

    it('records a success even after another attempt took over: the mail did go out', () => {
      spec(deliveryDecider)
        .given([requested(1, 'first'), requested(2, 'lease-expired')])
        .when(sent(1))
        .thenState((s) => expect(s).toEqual({ status: 'sent', attempt: 1 }));
    });

    it('records a transient failure, leaving the delivery to be retried', () => {
      spec(deliveryDecider)
        .given([requested(1, 'first')])
        .when(failure(1, true))
        .then([failedTransiently(1)]);
    });

    it('turns the last allowed transient failure into a permanent one, keeping its SMTP facts', () => {
      spec(deliveryDecider)
        .given([
          requested(1, 'first'),
          failedTransiently(1),
          requested(2, 'retry'),
          failedTransiently(2),
          requested(3, 'retry'),
        ])
        .when(failure(3, true))
        .then([
          failedTransiently(3),
          {
            type: 'DeliveryFailedPermanently',
            data: {
              attempt: 3,
              failedAt: T0,
              error: {
                code: ATTEMPTS_EXHAUSTED,
                message: 'gave up after 3 attempts; last: greylisted',
                smtpCode: 451,
              },
            },
          },
        ]);
    });

    it('records a permanent failure with its code and SMTP reply code', () => {
      spec(deliveryDecider)
        .given([requested(1, 'first')])
        .when(failure(1, false))
        .then([{ type: 'DeliveryFailedPermanently', data: { attempt: 1, error: smtp550, failedAt: T0 } }]);
    });

    it('ignores the failure of an attempt that no longer holds the delivery', () => {
      spec(deliveryDecider)
        .given([requested(1, 'first'), requested(2, 'lease-expired')])
        .when(failure(1, false))
        .thenNothingHappened();
    });

    it('refuses an outcome for a delivery never claimed', () => {
      spec(deliveryDecider).given([]).when(sent(1)).thenThrows(DeliveryNotRequested);
      spec(deliveryDecider).given([]).when(failure(1, true)).thenThrows(DeliveryNotRequested);
    });
  });
});
