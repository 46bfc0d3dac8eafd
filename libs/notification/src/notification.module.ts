import { type DynamicModule, Module } from '@nestjs/common';
import { eventsTopic } from '@idp/contracts';
import {
  type HostedService,
  type ServiceInfrastructure,
  serviceInfrastructureProviders,
} from '@idp/eventing';

/**
 * The notification service (see docs/architecture.md). Its domain, application and infrastructure layers arrive with the
 * issues that deliver them; the module already receives its own infrastructure from whichever host runs it.
 */
@Module({})
export class NotificationModule {
  static register(infra: ServiceInfrastructure): DynamicModule {
    return { module: NotificationModule, providers: serviceInfrastructureProviders(infra) };
  }
}

/** How hosts run this service: the embedded platform and `apps/notification` alike. */
export const notificationService: HostedService = {
  name: 'notification',
  module: NotificationModule.register,
  topic: eventsTopic('notification'),
};
