import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  CHECKPOINT_STORE,
  type CheckpointStore,
  PARKED_EVENT_STORE,
  type ParkedEventStore,
  ProjectionRunner,
  type ProjectionStatus,
  READ_STORE_FACTORY,
  type ReadStore,
  type ReadStoreFactory,
  type RunnerLogger,
} from '@idp/eventing';
import type { NotifyingEventStore } from '@idp/eventing';
import type { MailTemplate } from '../../domain/delivery/delivery.decider';
import { DELIVERY_EVENTS } from '../../notification.tokens';
import {
  deliveriesModel,
  deliveriesProjection,
  type DeliveryStatus,
  type DeliveryView,
} from './deliveries.projection';

export interface DeliveryQuery {
  /** One status or several (`['retrying', 'failed']` for "what needs attention"). */
  status?: DeliveryStatus | DeliveryStatus[];
  template?: MailTemplate;
  userId?: string;
  /** Default 50, at most 500. */
  limit?: number;
  skip?: number;
}

const runnerLogger = (logger: Logger): RunnerLogger => {
  const line = (message: string, details?: Record<string, unknown>) =>
    details ? `${message} ${JSON.stringify(details)}` : message;
  return {
    info: (m, d) => logger.log(line(m, d)),
    warn: (m, d) => logger.warn(line(m, d)),
    error: (m, d) => logger.error(line(m, d)),
  };
};

/**
 * The delivery log operators read: the `deliveries` read model, projected from the notification store by a
 * checkpointed runner (in memory and rebuilt at boot when embedded, MongoDB when distributed). Eventually
 * consistent with the store: `catchUp()` waits for it (tests, admin tools that just acted).
 */
@Injectable()
export class DeliveryLog {
  private readonly logger = new Logger('notification.deliveries');
  private readonly runner: ProjectionRunner<{ deliveries: DeliveryView }>;
  private store: ReadStore<DeliveryView> | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    @Inject(DELIVERY_EVENTS) private readonly events: NotifyingEventStore,
    @Inject(READ_STORE_FACTORY) private readonly readStores: ReadStoreFactory,
    @Inject(CHECKPOINT_STORE) checkpoints: CheckpointStore,
    @Inject(PARKED_EVENT_STORE) parked: ParkedEventStore,
  ) {
    this.runner = new ProjectionRunner(deliveriesProjection, {
      events,
      readStores,
      checkpoints,
      parked,
      logger: runnerLogger(this.logger),
    });
  }

  /** Opens the read model (rebuilding it if its version changed) and starts tailing. */
  async start(): Promise<void> {
    await this.runner.start();
    this.unsubscribe = this.events.subscribe(this.runner);
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.runner.stop();
  }

  /** Waits until every delivery event appended so far is in the read model. */
  catchUp(): Promise<void> {
    return this.runner.catchUp();
  }

  status(): Promise<ProjectionStatus> {
    return this.runner.status();
  }

  /** One delivery, by the id of the event that asked for it. */
  async get(eventId: string): Promise<DeliveryView | undefined> {
    return (await this.deliveries()).get(eventId);
  }

  /** Deliveries, most recently changed first. */
  async list(query: DeliveryQuery = {}): Promise<DeliveryView[]> {
    const { status, template, userId, limit = 50, skip = 0 } = query;
    return (await this.deliveries()).find({
      where: {
        ...(status !== undefined && { status: Array.isArray(status) ? { $in: status } : status }),
        ...(template !== undefined && { template }),
        ...(userId !== undefined && { userId }),
      },
      sort: [['updatedAt', 'desc']],
      skip,
      limit: Math.min(Math.max(limit, 0), 500),
    });
  }

  /** How many deliveries are in each status (absent: none). */
  async countByStatus(): Promise<Partial<Record<DeliveryStatus, number>>> {
    return (await this.deliveries()).countBy('status');
  }

  private async deliveries(): Promise<ReadStore<DeliveryView>> {
    this.store ??= await this.readStores.open(deliveriesModel);
    return this.store;
  }
}
