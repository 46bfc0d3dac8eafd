import 'reflect-metadata';
import { consumerGroup } from '@idp/contracts';
import { runHost } from '@idp/eventing';
import { notificationService } from '@idp/notification';

// The notification service as its own process (distributed mode).
void runHost({
  process: 'notification',
  services: [notificationService],
  needs: ['eventStore', 'kafka', 'mongo'],
  consumerGroup: consumerGroup('notification'),
});
