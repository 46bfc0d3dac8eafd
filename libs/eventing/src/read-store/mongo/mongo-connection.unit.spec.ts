import { ReadStoreError, ReadStoreUnavailable } from '../read-store.errors';
import { connectMongo, databaseNameOf, escapeRegex } from './mongo-connection';

describe('connectMongo', () => {
  it('fails fast with ReadStoreUnavailable, without credentials in the message, when nothing listens', async () => {
    const started = Date.now();
    const err = await connectMongo('mongodb://user:s3cret@127.0.0.1:1/x', {
      serverSelectionTimeoutMS: 200,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(ReadStoreUnavailable);
    expect(err.message).toContain('127.0.0.1:1');
    expect(err.message).not.toContain('s3cret');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('refuses a URL that is not mongodb://', async () => {
    await expect(connectMongo('postgres://x')).rejects.toMatchObject({ code: 'READ_STORE.BAD_URL' });
    await expect(connectMongo('postgres://x')).rejects.toBeInstanceOf(ReadStoreError);
  });

  it('takes the database from the URL path, multi-host URLs included', () => {
    expect(databaseNameOf('mongodb://127.0.0.1:57017/')).toBeUndefined();
    expect(databaseNameOf('mongodb://a:1,b:2/identity?replicaSet=rs')).toBe('identity');
    expect(databaseNameOf('mongodb+srv://u:p@cluster.example.com/idp')).toBe('idp');
  });

  it('escapes every regex metacharacter', () => {
    const text = 'a.c (x)+[y]*\\ ^$|?{1}/-';
    expect(new RegExp(`^${escapeRegex(text)}$`).test(text)).toBe(true);
    expect(new RegExp(escapeRegex('a.c')).test('abc')).toBe(false);
  });
});
