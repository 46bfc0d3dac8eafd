import { Injectable } from '@nestjs/common';

/** A dependency the process needs before it serves traffic (event store, bus, read models). */
export interface ReadinessCheck {
  name: string;
  /** Resolves when ready; rejects (or throws) with the reason otherwise. Must answer within a second or two. */
  check(): Promise<void>;
}

/** Where modules register what `/readyz` must verify. */
@Injectable()
export class ReadinessRegistry {
  private readonly checks: ReadinessCheck[] = [];
  private draining = false;

  register(check: ReadinessCheck): void {
    this.checks.push(check);
  }

  /** Once draining (SIGTERM received), readiness fails so load balancers stop sending new requests. */
  startDraining(): void {
    this.draining = true;
  }

  async report(timeoutMs = 2000): Promise<{ ready: boolean; checks: Record<string, string> }> {
    const checks: Record<string, string> = {};
    if (this.draining) checks.process = 'draining';
    await Promise.all(
      this.checks.map(async (c) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            c.check(),
            new Promise(
              (_, reject) =>
                (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)),
            ),
          ]);
          checks[c.name] = 'ok';
        } catch (err) {
          checks[c.name] = (err as Error).message || 'failed';
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return { ready: Object.values(checks).every((v) => v === 'ok'), checks };
  }
}
