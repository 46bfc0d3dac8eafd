import { DUMMY_HASH, type PasswordHasher, verifyAgainstDummy, warmUpDummyHash } from '.';

/** A recording hasher whose only "current" hash is `current`, and which accepts any password. */
const recordingHasher = (current: string) => {
  const calls: string[] = [];
  const hasher: PasswordHasher = {
    hash: async (password) => {
      calls.push(`hash:${password}`);
      return current;
    },
    verify: async (hash) => {
      calls.push(`verify:${hash}`);
      return true;
    },
    needsRehash: (hash) => hash !== current,
  };
  return { hasher, calls };
};

describe('verifyAgainstDummy', () => {
  it('verifies against DUMMY_HASH when the hasher considers it current, and answers false regardless', async () => {
    const { hasher, calls } = recordingHasher(DUMMY_HASH);
    await expect(verifyAgainstDummy(hasher, 'anything')).resolves.toBe(false);
    expect(calls).toEqual([`verify:${DUMMY_HASH}`]);
  });

  it('hashes its own dummy once for a hasher with other parameters, then reuses it', async () => {
    const { hasher, calls } = recordingHasher('$other$current-format');
    await Promise.all([verifyAgainstDummy(hasher, 'a'), verifyAgainstDummy(hasher, 'b')]);
    await verifyAgainstDummy(hasher, 'c');
    expect(calls.filter((c) => c.startsWith('hash:'))).toHaveLength(1);
    expect(calls.filter((c) => c === 'verify:$other$current-format')).toHaveLength(3);
  });

  it('can be warmed up at boot, so no login pays for that hash', async () => {
    const { hasher, calls } = recordingHasher('$warm$current-format');
    await warmUpDummyHash(hasher);
    expect(calls).toEqual([expect.stringMatching(/^hash:/)]);
    await verifyAgainstDummy(hasher, 'x');
    expect(calls).toHaveLength(2);
  });

  it('retries the dummy hash after a failure instead of caching the failure', async () => {
    let fail = true;
    const hasher: PasswordHasher = {
      hash: async () => {
        if (fail) throw new Error('thread pool unavailable');
        return '$retry$current';
      },
      verify: async () => false,
      needsRehash: (hash) => hash !== '$retry$current',
    };
    await expect(verifyAgainstDummy(hasher, 'x')).rejects.toThrow('thread pool unavailable');
    fail = false;
    await expect(verifyAgainstDummy(hasher, 'x')).resolves.toBe(false);
  });

  it('accepts an explicit dummy hash', async () => {
    const { hasher, calls } = recordingHasher('$explicit$');
    await verifyAgainstDummy(hasher, 'x', '$explicit$');
    expect(calls).toEqual(['verify:$explicit$']);
  });
});
