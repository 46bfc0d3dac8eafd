import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IdentityIntegrationEvent, RequestMeta } from '@idp/contracts';
import {
  InMemoryCheckpointStore,
  InMemoryEventStore,
  InMemoryParkedEventStore,
  InMemoryProcessedEventStore,
  InMemoryReadStoreFactory,
  loadInfraConfig,
  openServiceResources,
  openSharedResources,
  type RecordedEvent,
  SecretBox,
  type ServiceInfrastructure,
  uuidv7,
} from '@idp/eventing';
import { type MembershipRuntime, openMembershipRuntime } from '../membership.module';

/** A clock tests move by hand. */
export class TestClock {
  constructor(public ms = Date.parse('2026-11-26T10:00:00.000Z')) {}
  now = () => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface MembershipTestHost {
  infra: ServiceInfrastructure;
  runtime: MembershipRuntime;
  clock: TestClock;
  /** Delivers an identity event to the process manager, as the bus would (redeliver by passing it again). */
  deliver(event: RecordedEvent): Promise<boolean>;
  identity: IdentityEvents;
  close(): Promise<void>;
}

/** Builds `identity.events` envelopes with per-account revisions, as identity's relay would publish them. */
export class IdentityEvents {
  private readonly revisions = new Map<string, number>();
  private position = 0n;

  constructor(private readonly clock: TestClock) {}

  event(e: IdentityIntegrationEvent): RecordedEvent {
    const userId = e.data.userId;
    const revision = (this.revisions.get(userId) ?? -1) + 1;
    this.revisions.set(userId, revision);
    return {
      id: uuidv7(),
      type: e.type,
      schemaVersion: 1,
      stream: `account-${userId}`,
      revision,
      position: ++this.position,
      occurredAt: this.clock.now(),
      data: e.data,
      metadata: { correlationId: `c-${userId}` },
    };
  }

  registered(
    user: { userId: string; username: string; email: string; emailConfirmed?: boolean },
    invitation?: { organizationId: string; membershipId: string },
  ): RecordedEvent {
    return this.event({
      type: 'AccountRegistered',
      data: {
        userId: user.userId,
        username: user.username,
        email: user.email,
        emailConfirmed: user.emailConfirmed ?? false,
        registeredAt: this.clock.now().toISOString(),
        ...(invitation ? { invitation } : {}),
      },
    });
  }
}

/** In-memory infrastructure for one service, as the embedded host builds it (memory read models), minus PGlite. */
export const inMemoryInfrastructure = (): ServiceInfrastructure => ({
  service: 'membership',
  eventStore: new InMemoryEventStore(),
  readStores: new InMemoryReadStoreFactory(),
  projectionCheckpoints: new InMemoryCheckpointStore(),
  parkedEvents: new InMemoryParkedEventStore(),
  processedEvents: new InMemoryProcessedEventStore(),
  secretBox: new SecretBox([randomBytes(32)]),
});

/**
 * The membership runtime (service, projection runner, process manager) on `infra`, started and caught up. Writes
 * do not wait for unknown users (`userWaitMs: 0`): tests register users explicitly.
 */
export const openMembershipTestHost = async (
  infra: ServiceInfrastructure,
  close: () => Promise<void> = async () => {},
): Promise<MembershipTestHost> => {
  const clock = new TestClock();
  const runtime = await openMembershipRuntime(infra, { clock, service: { userWaitMs: 0 } });
  await runtime.runner.start();
  await runtime.runner.catchUp();
  return {
    infra,
    runtime,
    clock,
    identity: new IdentityEvents(clock),
    deliver: async (event) => {
      const acted = await runtime.reactions.handle(event);
      await runtime.runner.catchUp();
      return acted;
    },
    close: async () => {
      runtime.unsubscribe();
      await runtime.runner.stop();
      await close();
    },
  };
};

/**
 * The service's infrastructure as the host opens it from configuration (`EVENT_STORE_URL`, `MONGO_URL`, …): the
 * same adapters a deployment uses (PostgreSQL schema `membership`, MongoDB collections `membership_*`).
 */
export const configuredInfrastructure = async (
  env: Record<string, string>,
): Promise<{ infra: ServiceInfrastructure; close(): Promise<void> }> => {
  const dataDir = mkdtempSync(join(tmpdir(), 'membership-'));
  const config = loadInfraConfig({
    DATA_DIR: dataDir,
    SECRET_KEYS: randomBytes(32).toString('base64'),
    ...env,
  });
  const shared = await openSharedResources(config);
  const resources = await openServiceResources(config, 'membership', shared);
  return {
    infra: resources.infra,
    close: async () => {
      await resources.close();
      await shared.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
};

/** Request metadata of a user acting (session or user token). */
export const asUser = (userId: string): { meta: RequestMeta } => ({
  meta: { actor: { kind: 'user', id: userId }, correlationId: `c-${userId}` },
});

/** Request metadata of an organization token. */
export const asOrganization = (organizationId: string): { meta: RequestMeta } => ({
  meta: { actor: { kind: 'organization', id: organizationId } },
});

export const anonymous = (): { meta: RequestMeta } => ({ meta: {} });

/** Request metadata of the platform itself (the gateway asking on behalf of site administration or identity). */
export const asSystem = (): { meta: RequestMeta } => ({ meta: { actor: { kind: 'system', id: 'gateway' } } });

/** The error a failed call rejected with (fails the test when it resolved). */
export const failure = (p: Promise<unknown>): Promise<{ code?: string; message?: string }> =>
  p.then(
    () => {
      throw new Error('expected an error');
    },
    (err: unknown) => err as { code?: string },
  );
