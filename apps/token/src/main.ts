import 'reflect-metadata';
import { consumerGroup } from '@idp/contracts';
import { runHost } from '@idp/eventing';
import { tokenService } from '@idp/token';

// The token service as its own process (distributed mode).
void runHost({
  process: 'token',
  services: [tokenService],
  needs: ['eventStore', 'kafka', 'mongo'],
  consumerGroup: consumerGroup('token'),
});
