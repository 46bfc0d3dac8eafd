export * from './projection';
export * from './projection-runner';
export * from './parked-event.store';
export * from './in-memory/in-memory-parked-event.store';
export * from './mongo/mongo-parked-event.store';
export * from './notifying-event.store';
export { TailLoop, consoleRunnerLogger, type RunnerLogger, type TailLoopOptions } from './tail-loop';
