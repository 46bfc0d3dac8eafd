import 'reflect-metadata';
import { consumerGroup } from '@idp/contracts';
import { runHost } from '@idp/eventing';
import { identityService } from '@idp/identity';

// The identity service as its own process (distributed mode).
void runHost({
  process: 'identity',
  services: [identityService],
  needs: ['eventStore', 'kafka', 'mongo'],
  consumerGroup: consumerGroup('identity'),
});
