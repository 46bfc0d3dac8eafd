import 'reflect-metadata';
import { consumerGroup } from '@idp/contracts';
import { runHost } from '@idp/eventing';
import { GatewayModule, loadGatewayConfig } from '@idp/gateway';

// The API gateway as its own process: no domain state, only the bus to the services. Every replica keeps its own
// credential cache, so every replica must see every revocation event: a consumer group per process
// (`gateway.main.<host>.<pid>.<random>`), from the latest offset, deleted at shutdown (ADR 010).
void runHost({
  process: 'gateway',
  services: [],
  modules: [GatewayModule],
  preflight: [() => loadGatewayConfig()],
  needs: ['kafka'],
  consumerGroup: consumerGroup('gateway'),
  groupPerProcess: true,
});
