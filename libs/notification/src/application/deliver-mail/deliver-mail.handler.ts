import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  CLOCK,
  type Clock,
  CodedError,
  type CommandResult,
  handleCommand,
  type EventStore,
  type RecordedEvent,
  SECRET_BOX,
  type SecretBox,
} from '@idp/eventing';
import {
  deliveryDecider,
  type DeliveryCommand,
  type DeliveryEvent,
  type DeliveryFailure,
  type DeliveryState,
  deliveryStream,
} from '../../domain/delivery/delivery.decider';
import type { RenderedMail } from '../../domain/templates';
import { MAILER, type Mailer, MailError, type MailReceipt } from '../../infrastructure/mail';
import type { NotificationConfig } from '../../notification.config';
import { DELIVERY_EVENTS, NOTIFICATION_CONFIG } from '../../notification.tokens';
import { NotificationMetrics } from '../notification.metrics';
import type { MailPlan, MailPlanner } from './mail-plan';

/** What handling one event came to. A transient failure with attempts left is thrown instead (redelivery). */
export type DeliveryOutcome = 'ignored' | 'sent' | 'duplicate' | 'failed';

const RESPONSE_LIMIT = 500;

/** A failure as the delivery log keeps it: code and SMTP facts, never the body. */
export const describeFailure = (err: unknown): DeliveryFailure => {
  if (err instanceof MailError) {
    const { smtpCode, errorCode, command, response } = err.details;
    return {
      code: err.code,
      message: err.message.slice(0, RESPONSE_LIMIT),
      ...(smtpCode !== undefined && { smtpCode }),
      ...(errorCode !== undefined && { errorCode }),
      ...(command !== undefined && { command }),
      ...(response !== undefined && { response: response.slice(0, RESPONSE_LIMIT) }),
    };
  }
  const code = err instanceof CodedError ? err.code : 'NOTIFICATION.UNEXPECTED';
  return { code, message: String((err as Error)?.message ?? err).slice(0, RESPONSE_LIMIT) };
};

/**
 * Sends the mail an event asks for (which one, if any, its topic's `MailPlanner` says: identity's account mails,
 * membership's invitations), at most once per event across redeliveries, restarts and replicas, and records the
 * outcome in the `delivery-<event id>` stream of the notification store (event ids are UUIDv7, unique across
 * services, so one stream namespace serves every topic):
 *
 * 1. claim an attempt (`DeliveryRequested`, appended with the stream's expected revision: of concurrent
 *    deliveries exactly one claims; the others see `DeliveryInProgress` and are redelivered later; a delivery
 *    already sent or given up claims nothing and sends nothing);
 * 2. open the sealed link token and render (failures here are permanent);
 * 3. send, with the event id as idempotency key (so a re-send carries the same `Message-ID`);
 * 4. record `DeliverySucceeded`, or the failure: permanent → recorded, not thrown; transient → recorded and
 *    rethrown so the bus redelivers, until the configured attempts are used up, then recorded as permanent.
 *
 * The window that remains: a crash (or a store outage) after the mail server accepted the message and before
 * step 4 leaves the attempt claimed; once its lease expires a redelivery sends it again, once, with the same
 * `Message-ID`.
 */
@Injectable()
export class DeliverMail {
  private readonly logger = new Logger('notification');

  constructor(
    @Inject(DELIVERY_EVENTS) private readonly store: EventStore,
    @Inject(MAILER) private readonly mailer: Mailer,
    @Inject(SECRET_BOX) private readonly secretBox: SecretBox,
    @Inject(NOTIFICATION_CONFIG) private readonly config: NotificationConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly metrics: NotificationMetrics,
  ) {}

  async handle(event: RecordedEvent, planner: MailPlanner): Promise<DeliveryOutcome> {
    const plan = planner(event);
    if (!plan) return 'ignored';
    const claim = await this.decide(event, {
      type: 'RequestDelivery',
      data: {
        eventId: event.id,
        eventType: event.type,
        template: plan.template,
        userId: plan.userId,
        to: plan.to,
        leaseMs: this.config.deliveryLeaseMs,
        maxAttempts: this.config.maxDeliveryAttempts,
      },
    });
    if (claim.state.status !== 'sending') {
      if (claim.events.length === 0) return 'duplicate';
      this.metrics.failed(plan.template, 'permanent'); // attempts used up by holders that never reported
      this.logger.error(
        `${this.label(event, plan)}: gave up, every attempt's lease expired without an outcome`,
      );
      return 'failed';
    }
    const { attempt } = claim.state;
    const requested = claim.events[0];
    if (requested?.type === 'DeliveryRequested' && requested.data.reason === 'lease-expired')
      this.logger.warn(
        `${this.label(event, plan)}: attempt ${attempt - 1} never reported; sending again (a duplicate, if any, has the same Message-ID)`,
      );

    let mail: RenderedMail;
    try {
      mail = plan.compose({
        branding: this.config.branding,
        open: (sealed, context) => this.secretBox.open(sealed, context),
        now: this.clock.now(),
      });
    } catch (err) {
      return this.fail(event, plan, attempt, err, false);
    }

    let receipt: MailReceipt;
    try {
      receipt = await this.mailer.send({
        to: plan.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        // RFC 3834: an automatic message; well-behaved responders send no vacation reply to it.
        headers: { 'Auto-Submitted': 'auto-generated' },
        idempotencyKey: `${event.id}:${plan.template}`,
      });
    } catch (err) {
      // An error that is not a MailError is unexpected, and dropping a reset link on it is worse than retrying.
      const transient = !(err instanceof MailError) || err.transient;
      return this.fail(event, plan, attempt, err, transient);
    }
    await this.recordSent(event, {
      type: 'RecordSent',
      data: { attempt, messageId: receipt.messageId, duplicate: receipt.duplicate },
    });
    this.metrics.sent(plan.template);
    return 'sent';
  }

  private async fail(
    event: RecordedEvent,
    plan: MailPlan,
    attempt: number,
    err: unknown,
    transient: boolean,
  ): Promise<DeliveryOutcome> {
    const error = describeFailure(err);
    const result = await this.decide(event, {
      type: 'RecordFailure',
      data: { attempt, transient, error, maxAttempts: this.config.maxDeliveryAttempts },
    });
    const smtp = error.smtpCode ? ` (SMTP ${error.smtpCode})` : '';
    if (result.events.length === 0) {
      // Another attempt took over after this one's lease ran out; that attempt reports its own outcome.
      this.logger.warn(
        `${this.label(event, plan)}: attempt ${attempt} failed after losing its lease, ${error.code}${smtp}`,
      );
      return 'duplicate';
    }
    if (result.state.status === 'retrying') {
      this.metrics.failed(plan.template, 'transient');
      this.logger.warn(
        `${this.label(event, plan)}: attempt ${attempt}/${this.config.maxDeliveryAttempts} failed, ${error.code}${smtp}; will be redelivered`,
      );
      throw err;
    }
    this.metrics.failed(plan.template, 'permanent');
    this.logger.error(`${this.label(event, plan)}: not delivered, ${error.code}${smtp}: ${error.message}`);
    return 'failed';
  }

  /**
   * The mail is out: losing this record would resend it after the lease, so a store hiccup is retried here
   * (three more tries over about a second) before the error goes to the bus.
   */
  private async recordSent(event: RecordedEvent, command: DeliveryCommand): Promise<void> {
    for (let retry = 0; ; retry++) {
      try {
        await this.decide(event, command);
        return;
      } catch (err) {
        if (retry >= 3 || !(err instanceof CodedError) || !err.code.endsWith('.UNAVAILABLE')) throw err;
        await new Promise((resolve) => setTimeout(resolve, 150 * 2 ** retry));
      }
    }
  }

  /** Runs a delivery command on the event's delivery stream (expected revision, re-decided on a conflict). */
  private decide(
    event: RecordedEvent,
    command: DeliveryCommand,
  ): Promise<CommandResult<DeliveryEvent, DeliveryState>> {
    const correlationId = event.metadata.correlationId;
    return handleCommand(this.store, deliveryStream(event.id), deliveryDecider, {
      ...command,
      metadata: {
        correlationId: typeof correlationId === 'string' ? correlationId : event.id,
        causationId: event.id,
        now: this.clock.now().toISOString(),
      },
    });
  }

  // Event id and template identify a delivery in the log; the address stays in the delivery log.
  private label(event: RecordedEvent, plan: MailPlan): string {
    return `${plan.template} mail for event ${event.id}`;
  }
}
