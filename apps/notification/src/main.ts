import 'reflect-metadata';
import { consumerGroup, eventsTopic } from '@idp/contracts';
import { runDistributedService } from '@idp/eventing';
import { NotificationModule } from '@idp/notification';

// The notification service as its own process (distributed mode).
void runDistributedService({
  service: 'notification',
  module: NotificationModule,
  needs: ['eventStore', 'kafka', 'mongo'],
  consumerGroup: consumerGroup('notification'),
  topic: eventsTopic('notification'),
});
