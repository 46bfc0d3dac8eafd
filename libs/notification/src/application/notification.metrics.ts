import { Inject, Injectable, Optional } from '@nestjs/common';
import { METRICS_REGISTRY } from '@idp/eventing';
import { Counter, Gauge, type Registry } from 'prom-client';
import { DeliveryLog } from './deliveries/delivery-log';

/** Failure kinds on `notification_mail_failures_total`: retried later, or given up. */
export type FailureKind = 'transient' | 'permanent';

const counter = (registry: Registry | undefined, name: string, help: string, labelNames: string[]) =>
  (registry?.getSingleMetric(name) as Counter | undefined) ??
  new Counter({ name, help, labelNames, registers: registry ? [registry] : [] });

/**
 * Prometheus metrics of the notification service, on the process registry (`METRICS_REGISTRY`, global in every
 * host; without one they are counted but not exported):
 * - `notification_mails_sent_total{template}`
 * - `notification_mail_failures_total{template,kind}`: `transient` (the bus redelivers), `permanent` (given up)
 * - `notification_messages_invalid_total`: bus messages that are not event envelopes (dropped, logged)
 * - `notification_deliveries{status}`: deliveries per status in the delivery log, at scrape time.
 */
@Injectable()
export class NotificationMetrics {
  private readonly sentTotal: Counter;
  private readonly failuresTotal: Counter;
  private readonly invalidTotal: Counter;

  constructor(deliveries: DeliveryLog, @Optional() @Inject(METRICS_REGISTRY) registry?: Registry) {
    this.sentTotal = counter(registry, 'notification_mails_sent_total', 'Mails accepted for delivery', [
      'template',
    ]);
    this.failuresTotal = counter(
      registry,
      'notification_mail_failures_total',
      'Mail delivery attempts that failed, by whether they will be retried',
      ['template', 'kind'],
    );
    this.invalidTotal = counter(
      registry,
      'notification_messages_invalid_total',
      'Bus messages that were not event envelopes',
      [],
    );
    if (registry && !registry.getSingleMetric('notification_deliveries'))
      new Gauge({
        name: 'notification_deliveries',
        help: 'Deliveries in the delivery log, by status',
        labelNames: ['status'],
        registers: [registry],
        async collect() {
          const counts = await deliveries.countByStatus().catch(() => undefined);
          if (!counts) return; // read model unreachable: keep the last values rather than fail the scrape
          for (const status of ['sending', 'retrying', 'sent', 'failed'] as const)
            this.set({ status }, counts[status] ?? 0);
        },
      });
  }

  sent(template: string): void {
    this.sentTotal.inc({ template });
  }

  failed(template: string, kind: FailureKind): void {
    this.failuresTotal.inc({ template, kind });
  }

  invalidMessage(): void {
    this.invalidTotal.inc();
  }
}
