import 'reflect-metadata';
import { consumerGroup } from '@idp/contracts';
import { runHost } from '@idp/eventing';
import { membershipService } from '@idp/membership';

// The membership service as its own process (distributed mode).
void runHost({
  process: 'membership',
  services: [membershipService],
  needs: ['eventStore', 'kafka', 'mongo'],
  consumerGroup: consumerGroup('membership'),
});
