export * from './uniqueness-guard.port';
export * from './reservation-stream.guard';
