import { defineProjection, type ReadDocument, type ReadModel, type RecordedEvent } from '@idp/eventing';
import type {
  DeliveryEvent,
  DeliveryEventType,
  DeliveryFailure,
  MailTemplate,
} from '../../domain/delivery/delivery.decider';

/**
 * `sending`: an attempt holds the delivery; `retrying`: the last attempt failed transiently and the bus will
 * redeliver; `sent`: accepted by the mail server (or written to the outbox); `failed`: given up for good.
 */
export type DeliveryStatus = 'sending' | 'retrying' | 'sent' | 'failed';

/** One notification's delivery, for operators. Addresses yes, bodies and tokens never. */
export interface DeliveryView extends ReadDocument {
  /** The id of the event that asked for the mail. */
  id: string;
  eventType: string;
  template: MailTemplate;
  userId: string;
  to: string;
  status: DeliveryStatus;
  /** Attempts claimed so far. */
  attempts: number;
  requestedAt: string;
  updatedAt: string;
  sentAt: string | null;
  /** The `Message-ID` sent (derived from the event id, so a duplicate is recognisable). */
  messageId: string | null;
  /** The last failure, kept after a later success so flaky deliveries stay visible. */
  lastError: DeliveryFailure | null;
}

export const deliveriesModel: ReadModel<DeliveryView> = {
  name: 'deliveries',
  indexes: [
    { status: 1, updatedAt: -1 },
    { userId: 1, updatedAt: -1 },
  ],
  searchable: ['to'],
};

const HANDLED: DeliveryEventType[] = [
  'DeliveryRequested',
  'DeliverySucceeded',
  'DeliveryFailedTransiently',
  'DeliveryFailedPermanently',
];

const eventIdOf = (stream: string) => stream.slice('delivery-'.length);

/** The `deliveries` read model: one document per delivery stream, its latest status. */
export const deliveriesProjection = defineProjection({
  name: 'deliveries',
  version: 1,
  handles: HANDLED,
  readModels: { deliveries: deliveriesModel },
  async apply(recorded: RecordedEvent, { deliveries }) {
    const event = recorded as RecordedEvent & DeliveryEvent;
    const id = eventIdOf(recorded.stream);
    const at = recorded.occurredAt.toISOString();
    await deliveries.update(id, recorded.position, (current) => {
      if (event.type === 'DeliveryRequested') {
        const { eventType, template, userId, to, attempt } = event.data;
        return {
          ...(current ?? {
            id,
            eventType,
            template,
            userId,
            to,
            requestedAt: event.data.requestedAt,
            sentAt: null,
            messageId: null,
            lastError: null,
          }),
          status: 'sending',
          attempts: attempt,
          updatedAt: at,
        };
      }
      if (!current) return undefined; // outcomes always follow a request in their stream
      switch (event.type) {
        case 'DeliverySucceeded':
          return {
            ...current,
            status: 'sent',
            sentAt: event.data.sentAt,
            messageId: event.data.messageId,
            updatedAt: at,
          };
        case 'DeliveryFailedTransiently':
          return { ...current, status: 'retrying', lastError: event.data.error, updatedAt: at };
        case 'DeliveryFailedPermanently':
          return {
            ...current,
            status: 'failed',
            lastError: event.data.error,
            updatedAt: at,
          };
      }
    });
  },
});
