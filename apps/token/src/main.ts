import 'reflect-metadata';
import { consumerGroup, eventsTopic } from '@idp/contracts';
import { runDistributedService } from '@idp/eventing';
import { TokenModule } from '@idp/token';

// The token service as its own process (distributed mode).
void runDistributedService({
  service: 'token',
  module: TokenModule,
  needs: ['eventStore', 'kafka', 'mongo'],
  consumerGroup: consumerGroup('token'),
  topic: eventsTopic('token'),
});
