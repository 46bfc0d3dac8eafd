// The bus of docs/architecture.md: Nest message/event patterns over Kafka or in-process, same semantics.
// The contract suite (Jest, @nestjs/testing) is exported from the testing entry, like the other ports' suites.
export type { BusClient } from './bus-client';
export { BusEventPublisher } from './bus-event.publisher';
export {
  BusJsonRequestDeserializer,
  BusJsonResponseDeserializer,
  BusJsonSerializer,
} from './bus-json.serializer';
export {
  type BusHeaders,
  type BusRecord,
  busRecord,
  fromJson as fromBusJson,
  isValidTopicName,
  jsonBusRecord,
  replyTopicOf,
  toJson as toBusJson,
} from './bus-record';
export { BusClosed, BusError, InvalidTopicName } from './bus.errors';
export {
  type Delivery,
  type GroupMembership,
  InProcessBroker,
  type InProcessBrokerOptions,
  type ProduceAck,
  type ProducedRecord,
} from './in-process/in-process.broker';
export {
  InProcessBusClient,
  type InProcessClientOptions,
  type InProcessEmitOptions,
} from './in-process/in-process-bus.client';
export { inProcessClientOptions, inProcessServerOptions } from './in-process/in-process-bus.options';
export {
  IN_PROCESS_TRANSPORT,
  InProcessBusServer,
  type InProcessServerOptions,
} from './in-process/in-process-bus.server';
export { KafkaBusClient, type KafkaBusClientOptions } from './kafka/kafka-bus.client';
export { type KafkaBusConfig, kafkaClientOptions, kafkaServerOptions } from './kafka/kafka-bus.options';
export { KafkaBusServer, type TopicProvisioning } from './kafka/kafka-bus.server';
export {
  type EnsureTopicsOptions,
  type KafkaAdminSource,
  type TopicSpec,
  ensureTopics,
} from './kafka/kafka-topics';
