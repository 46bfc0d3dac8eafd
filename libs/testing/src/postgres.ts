import { Client } from 'pg';
import { uniqueName } from './describe-with-infra';

/** Creates an empty database on the server of `serverUrl`, so suites never see each other's data. */
export const createPostgresDatabase = async (
  serverUrl: string,
  prefix = 'test',
): Promise<{ url: string; name: string; drop(): Promise<void> }> => {
  const name = uniqueName(prefix);
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const c = new Client({ connectionString: serverUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
};
