import { type DynamicModule, Module } from '@nestjs/common';
import { EventStoreModule, loggingModule, OpsModule, type OpenedEventStore } from '@idp/eventing';
import { GatewayModule } from '@idp/gateway';
import { IdentityModule } from '@idp/identity';
import { MembershipModule } from '@idp/membership';
import { NotificationModule } from '@idp/notification';
import { TokenModule } from '@idp/token';

/** Embedded mode: the gateway and every service in one process, over the in-process bus. */
@Module({})
export class PlatformModule {
  static register(eventStore: OpenedEventStore): DynamicModule {
    return {
      module: PlatformModule,
      imports: [
        loggingModule('platform'),
        OpsModule.forRoot({ service: 'platform' }),
        EventStoreModule.forRoot(eventStore),
        IdentityModule,
        MembershipModule,
        TokenModule,
        NotificationModule,
        GatewayModule,
      ],
    };
  }
}
