/** The `NotificationConfig` read when the module was registered. */
export const NOTIFICATION_CONFIG = Symbol('NOTIFICATION_CONFIG');
/**
 * The service's event store, wrapped so that appends wake the service's projection runner at once
 * (`NotifyingEventStore`); the relay and other processes still poll.
 */
export const DELIVERY_EVENTS = Symbol('DELIVERY_EVENTS');
