/** One Kafka topic per service carries that service's public events, keyed by aggregate stream. */
export const SERVICES = ['identity', 'membership', 'token', 'notification'] as const;
export type ServiceName = (typeof SERVICES)[number];

export const eventsTopic = (service: ServiceName) => `${service}.events` as const;

/** Consumer group of `consumer` for another service's topic: each service reads every topic once. */
export const consumerGroup = (consumer: ServiceName | 'gateway', purpose = 'main') =>
  `${consumer}.${purpose}`;
