/**
 * Seeds user API tokens into an embedded platform's data folder while the platform is stopped (PGlite is one
 * process's database), through the token service's own domain code and the same event store the platform opens:
 * the user-token decider (`userTokenDecider.decide(CreateUserToken)`) makes each `UserTokenCreated`, with a fresh
 * `at-…` id and a fresh `<14>.atlasv1.<67>` secret whose SHA-256 it carries, and `EventStore.append` writes it to
 * `user-token-<id>` in the `token` schema of `$DATA_DIR/event-store`, expecting `no_stream`, with the actor metadata
 * the HTTP path records. That is what `UserTokenService.create` appends, minus its read of the (new, empty) stream
 * before deciding: the `no_stream` expectation makes the store check that instead, and skipping the read makes
 * seeding ≈ 1.5× faster. What the platform does after each create and this script does not: the `user-tokens`
 * projection (the platform rebuilds its in-memory read models from the store at boot, so the seeded tokens verify
 * once it is ready) and the relay to `token.events` (the platform publishes them after boot).
 *
 *   DATA_DIR=… SEED_USER_ID=user-… SEED_COUNT=100000 SEED_OUT=secrets.txt \
 *     node -r ./tools/jest/register-ts.js bench/gateway/seed-tokens.ts
 *
 * Writes the secrets (one per line, in creation order) to SEED_OUT and prints one JSON line on stdout:
 * `{ "count", "ms", "perSecond" }`. Progress on stderr. SEED_CONCURRENCY (default 8) appends are in flight at once
 * (PGlite runs them one after another; the rest overlaps).
 */
import { writeFileSync } from 'node:fs';
import { loadInfraConfig, openServiceResources, openSharedResources } from '@idp/eventing';
import { tokenService } from '@idp/token';
import {
  credentialHash,
  newUserTokenId,
  newUserTokenSecret,
} from '../../libs/token/src/application/credentials';
import { userTokenDecider, userTokenStream } from '../../libs/token/src/domain/user-token/user-token.decider';

const userId = process.env.SEED_USER_ID;
const count = Number(process.env.SEED_COUNT ?? 100_000);
const concurrency = Number(process.env.SEED_CONCURRENCY ?? 8);
const out = process.env.SEED_OUT;

const main = async () => {
  if (!userId || !out || !process.env.DATA_DIR)
    throw new Error('DATA_DIR, SEED_USER_ID and SEED_OUT are required');
  if (!Number.isSafeInteger(count) || count < 1) throw new Error(`SEED_COUNT must be a positive integer`);
  const config = loadInfraConfig();
  if (config.eventStore.kind !== 'pglite')
    throw new Error('seed-tokens only seeds an embedded (PGlite) data folder');
  const shared = await openSharedResources(config);
  const resources = await openServiceResources(config, tokenService.name, shared);
  const store = resources.infra.eventStore;
  const metadata = { actor: { kind: 'user' as const, id: userId } };
  const secrets: string[] = new Array<string>(count);
  let next = 0;
  const began = performance.now();
  let reported = began;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const tokenId = newUserTokenId();
        const secret = newUserTokenSecret();
        const events = userTokenDecider.decide(
          {
            type: 'CreateUserToken',
            data: {
              tokenId,
              userId,
              description: `bench seed ${i}`,
              expiredAt: null,
              tokenHash: credentialHash(secret),
              now: new Date().toISOString(),
              createdBy: userId,
            },
          },
          userTokenDecider.initialState(),
        );
        await store.append(
          userTokenStream(tokenId),
          events.map((e) => ({ ...e, metadata })),
          'no_stream',
        );
        secrets[i] = secret;
        if (performance.now() - reported > 10_000) {
          reported = performance.now();
          const s = (reported - began) / 1000;
          console.error(
            `seed-tokens: ${i + 1} of ${count} after ${s.toFixed(0)} s (${((i + 1) / s).toFixed(0)}/s)`,
          );
        }
      }
    }),
  );
  const ms = performance.now() - began;
  await resources.close();
  await shared.close();
  writeFileSync(out, `${secrets.join('\n')}\n`);
  console.log(JSON.stringify({ count, ms: Math.round(ms), perSecond: Math.round(count / (ms / 1000)) }));
};

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
