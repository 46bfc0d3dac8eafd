import 'reflect-metadata';
import { consumerGroup } from '@idp/contracts';
import { runHost } from '@idp/eventing';
import { GatewayModule, loadGatewayConfig } from '@idp/gateway';

// The API gateway as its own process: no domain state, only the bus to the services.
void runHost({
  process: 'gateway',
  services: [],
  modules: [GatewayModule],
  preflight: [() => loadGatewayConfig()],
  needs: ['kafka'],
  consumerGroup: consumerGroup('gateway'),
});
