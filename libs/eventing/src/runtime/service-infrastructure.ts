import type { DynamicModule, Provider } from '@nestjs/common';
import { SecretBox } from '../crypto/secret-box';
import { CHECKPOINT_STORE, type CheckpointStore } from '../event-store/checkpoint-store.port';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port';
import { PARKED_EVENT_STORE, type ParkedEventStore } from '../projection/parked-event.store';
import { READ_STORE_FACTORY, type ReadStoreFactory } from '../read-store/read-store.port';
import type { RelaySelector } from '../relay/event-relay';
import { PROCESSED_EVENT_STORE, type ProcessedEventStore } from '../relay/processed-event.store';

/**
 * What a service module gets from its host, in either mode. The host builds one per service from the
 * configuration (its own event store, read models beside their checkpoints, …), owns their lifecycle, and runs
 * the service's relay; the service only uses them. Services never share one.
 */
export interface ServiceInfrastructure {
  /** `identity`, `membership`, … */
  service: string;
  /** The service's own store: its schema on PostgreSQL/PGlite, its namespace on KurrentDB. */
  eventStore: EventStore;
  /** Read models: MongoDB (collections prefixed with the service) or process memory. */
  readStores: ReadStoreFactory;
  /** Checkpoints of the service's projections, in the same database as its read models (never ahead of them). */
  projectionCheckpoints: CheckpointStore;
  parkedEvents: ParkedEventStore;
  /** Consumer-side dedupe of other services' events (at-least-once delivery). */
  processedEvents: ProcessedEventStore;
  /** Seals secrets that travel inside events (link tokens, TOTP secrets) with the platform's keys. */
  secretBox: SecretBox;
}

export const SERVICE_INFRASTRUCTURE = Symbol('SERVICE_INFRASTRUCTURE');
export const SECRET_BOX = Symbol('SECRET_BOX');

/** Providers that expose a service's infrastructure under the ports' tokens, scoped to the service's module. */
export const serviceInfrastructureProviders = (infra: ServiceInfrastructure): Provider[] => [
  { provide: SERVICE_INFRASTRUCTURE, useValue: infra },
  { provide: EVENT_STORE, useValue: infra.eventStore },
  { provide: READ_STORE_FACTORY, useValue: infra.readStores },
  { provide: CHECKPOINT_STORE, useValue: infra.projectionCheckpoints },
  { provide: PARKED_EVENT_STORE, useValue: infra.parkedEvents },
  { provide: PROCESSED_EVENT_STORE, useValue: infra.processedEvents },
  { provide: SECRET_BOX, useValue: infra.secretBox },
];

/** How a service lib plugs into a host: `IdentityModule.register`, called once with its infrastructure. */
export type ServiceModuleFactory = (infra: ServiceInfrastructure) => DynamicModule;

export interface HostedService {
  name: string;
  module: ServiceModuleFactory;
  /** The topic its store is relayed to (`identity.events`); absent for a service that publishes nothing. */
  topic?: string;
  /** Which stored events leave the service, mapped to its integration events (default: none are filtered). */
  select?: RelaySelector;
}
