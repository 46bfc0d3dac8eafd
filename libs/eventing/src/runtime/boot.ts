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
