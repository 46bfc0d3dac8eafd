/** Polls `condition` until it holds; throws naming `what` after `timeoutMs`. */
export const waitFor = async (
  condition: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
  intervalMs = 10,
  what = 'condition',
): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
};

/** Retries an assertion until it passes; after `timeoutMs` rethrows its last failure (the useful message). */
export const eventually = async (
  check: () => Promise<void> | void,
  timeoutMs = 20_000,
  intervalMs = 50,
): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
};
