import type { IdentityLogger } from './identity-deps';

/**
 * Work a handler starts and does not wait for (so that its reply time says nothing about what the work found),
 * tracked so that shutdown waits for it before the stores close. A failing job is logged, never thrown.
 */
export class BackgroundJobs {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly logger: IdentityLogger) {}

  run(name: string, job: () => Promise<void>): void {
    const done: Promise<void> = job()
      .catch((err: unknown) =>
        this.logger.error(`identity: ${name} failed`, {
          error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
        }),
      )
      .finally(() => this.running.delete(done));
    this.running.add(done);
  }

  /** Resolves when every job started so far (and any they started) has finished. */
  async drain(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
  }
}
