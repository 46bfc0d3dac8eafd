import { ConfigError } from '../config/infra-config';

/**
 * Runs a process's start-up. A configuration problem ends the process with ONE line naming the setting
 * and exit code 78 (EX_CONFIG); nothing is left half-started. Any other start-up failure exits 1.
 */
export const boot = async (service: string, start: () => Promise<unknown>): Promise<void> => {
  try {
    await start();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${service}: configuration error: ${err.message}\n`);
      process.exit(78);
    }
    process.stderr.write(`${service}: failed to start: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  }
};

/**
 * SIGTERM/SIGINT: `close()` runs Nest's shutdown (readiness turns unready first, the HTTP server stops accepting
 * and lets in-flight requests finish, stores close), then the process exits 0. A second signal, or a shutdown
 * that takes longer than `graceMs`, exits at once with 1.
 */
export const exitOnSignals = (close: () => Promise<void>, graceMs = 25_000): void => {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stderr.write(`received ${signal}, shutting down\n`);
    setTimeout(() => process.exit(1), graceMs).unref();
    close().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
};
