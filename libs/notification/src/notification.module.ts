import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { eventsTopic } from '@idp/contracts';
import {
  CLOCK,
  type Clock,
  type HostedService,
  NotifyingEventStore,
  type ServiceInfrastructure,
  serviceInfrastructureProviders,
  systemClock,
} from '@idp/eventing';
import { DeliveryLog } from './application/deliveries/delivery-log';
import { IdentityEventsController } from './application/deliver-account-mail/identity-events.controller';
import { MembershipEventsController } from './application/deliver-invitation-mail/membership-events.controller';
import { DeliverMail } from './application/deliver-mail/deliver-mail.handler';
import { DeliverSms } from './application/deliver-sms/deliver-sms.handler';
import { createSmsSender, SMS_SENDER, type SmsSender } from './infrastructure/sms';
import { NotificationMetrics } from './application/notification.metrics';
import { type ClosableMailer, createMailer, MAILER, type RetryOptions } from './infrastructure/mail';
import { loadNotificationConfig, type NotificationConfig } from './notification.config';
import { DELIVERY_EVENTS, NOTIFICATION_CONFIG } from './notification.tokens';

export interface NotificationOptions {
  /**
   * Where the settings come from (default `process.env`). A host given an explicit `InfraConfig` (tests) passes
   * the environment it loaded it from, so mail follows the same `SMTP_URL` and `DATA_DIR`.
   */
  env?: NodeJS.ProcessEnv;
  /** The mailer's in-process retry of transient failures (default: 4 tries, 250 ms base). */
  retry?: RetryOptions;
  clock?: Clock;
}

@Injectable()
class NotificationLifecycle
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  constructor(
    private readonly deliveries: DeliveryLog,
    @Inject(MAILER) private readonly mailer: ClosableMailer,
  ) {}

  async onApplicationBootstrap() {
    await this.deliveries.start();
  }

  async beforeApplicationShutdown() {
    await this.deliveries.stop();
  }

  // After the bus servers stopped handling (Nest closes them between these two hooks): no send is cut off.
  async onApplicationShutdown() {
    await this.mailer.close();
  }
}

/**
 * The notification service (see docs/architecture.md): consumes `identity.events` and `membership.events`, sends
 * the account and invitation mails exactly once per event as far as the mail server lets anyone (see
 * `DeliverMail`), keeps a delivery log
 * as events in its own store, and projects it into the `deliveries` read model (`DeliveryLog`).
 */
@Module({})
export class NotificationModule {
  /** Reads the configuration now, so a bad setting stops the boot with a `ConfigError` naming it. */
  static register(infra: ServiceInfrastructure, options: NotificationOptions = {}): DynamicModule {
    const config = loadNotificationConfig(options.env ?? process.env);
    const logger = new Logger('notification');
    return {
      module: NotificationModule,
      controllers: [IdentityEventsController, MembershipEventsController],
      providers: [
        ...serviceInfrastructureProviders(infra),
        { provide: NOTIFICATION_CONFIG, useValue: config satisfies NotificationConfig },
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        { provide: DELIVERY_EVENTS, useValue: new NotifyingEventStore(infra.eventStore) },
        {
          provide: MAILER,
          useFactory: (): ClosableMailer =>
            createMailer(config.mail, { log: (line) => logger.log(line), retry: options.retry }),
        },
        {
          provide: SMS_SENDER,
          useFactory: (): SmsSender => createSmsSender(config.sms, (line) => logger.log(line)),
        },
        DeliveryLog,
        NotificationMetrics,
        DeliverMail,
        DeliverSms,
        NotificationLifecycle,
      ],
      exports: [DeliveryLog],
    };
  }
}

/** This service for a host, with options (tests: the environment the host's configuration came from). */
export const notificationServiceWith = (options: NotificationOptions = {}): HostedService => ({
  name: 'notification',
  module: (infra) => NotificationModule.register(infra, options),
  topic: eventsTopic('notification'),
  // Delivery events stay inside the service: they name recipients, and no other service needs them (no
  // contract in libs/contracts yet). The topic is kept for the service's future public events.
  select: () => undefined,
});

/** How hosts run this service: the embedded platform and `apps/notification` alike. */
export const notificationService: HostedService = notificationServiceWith();
