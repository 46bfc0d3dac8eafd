import 'reflect-metadata';
import { consumerGroup, eventsTopic } from '@idp/contracts';
import { runDistributedService } from '@idp/eventing';
import { MembershipModule } from '@idp/membership';

// The membership service as its own process (distributed mode).
void runDistributedService({
  service: 'membership',
  module: MembershipModule,
  needs: ['eventStore', 'kafka', 'mongo'],
  consumerGroup: consumerGroup('membership'),
  topic: eventsTopic('membership'),
});
