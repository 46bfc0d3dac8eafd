import 'reflect-metadata';
import { runHost } from '@idp/eventing';
import { GatewayModule, loadGatewayConfig } from '@idp/gateway';
import { identityService } from '@idp/identity';
import { membershipService } from '@idp/membership';
import { notificationService } from '@idp/notification';
import { tokenService } from '@idp/token';

// Embedded mode: the gateway and every service in one process. With no infrastructure URLs configured this is
// PGlite in DATA_DIR, the in-process bus and in-memory read models; the same code runs on any configuration.
void runHost({
  process: 'platform',
  services: [identityService, membershipService, tokenService, notificationService],
  modules: [GatewayModule],
  preflight: [() => loadGatewayConfig()],
  consumerGroup: 'platform',
});
