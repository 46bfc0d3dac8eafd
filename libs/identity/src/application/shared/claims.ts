import type { UniquenessGuard } from '@idp/eventing';
import type { IdentityLogger } from './identity-deps';

export type Scope = 'username' | 'email';

/**
 * Values claimed during one use case, released again if it fails before the account's own event is appended.
 *
 * If a release itself fails (the store is down), the value stays reserved for an owner that has no account with it:
 * uniqueness still holds (nobody else can take it) but the value is unavailable. Such a reservation is logged with
 * its owner; `UniquenessGuard.release(scope, value, owner)` frees it, and the same owner claiming it again is
 * idempotent. Never the other way round: a value is never released while an account might hold it.
 */
export class Claims {
  private readonly held: Array<{ scope: Scope; value: string }> = [];

  constructor(
    private readonly guard: UniquenessGuard,
    private readonly owner: string,
    private readonly logger: IdentityLogger,
  ) {}

  async claim(scope: Scope, value: string): Promise<void> {
    await this.guard.claim(scope, value, this.owner);
    this.held.push({ scope, value });
  }

  async releaseAll(): Promise<void> {
    for (const { scope, value } of this.held.splice(0).reverse()) {
      await this.guard.release(scope, value, this.owner).catch((err: unknown) =>
        this.logger.error(
          'identity: could not release a reservation; it stays held by an owner without account',
          {
            scope,
            owner: this.owner,
            error: err instanceof Error ? err.message : String(err),
          },
        ),
      );
    }
  }
}
