import 'reflect-metadata';
import { consumerGroup, eventsTopic } from '@idp/contracts';
import { runDistributedService } from '@idp/eventing';
import { IdentityModule } from '@idp/identity';

// The identity service as its own process (distributed mode).
void runDistributedService({
  service: 'identity',
  module: IdentityModule,
  needs: ['eventStore', 'kafka', 'mongo'],
  consumerGroup: consumerGroup('identity'),
  topic: eventsTopic('identity'),
});
