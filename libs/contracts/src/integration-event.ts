import { z } from 'zod';

/**
 * The envelope every relayed event has on the bus (Kafka value, JSON). Positions are strings because JSON
 * has no 64-bit integers. Consumers deduplicate by `id` (at-least-once delivery).
 */
export const integrationEventSchema = z.object({
  id: z.string().uuid(),
  type: z.string().min(1),
  schemaVersion: z.number().int().positive(),
  stream: z.string().min(1),
  revision: z.number().int().nonnegative(),
  position: z.string().regex(/^\d+$/),
  occurredAt: z.string().datetime({ offset: true }),
  data: z.unknown(),
  metadata: z.record(z.string(), z.unknown()),
});

export type IntegrationEvent = z.infer<typeof integrationEventSchema>;

/** Parses a bus message value; throws a ZodError naming the bad field for anything else. */
export const parseIntegrationEvent = (value: unknown): IntegrationEvent =>
  integrationEventSchema.parse(typeof value === 'string' ? JSON.parse(value) : value);
