import { randomBytes } from 'node:crypto';
import { access, link, mkdir, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Writes `data` to `<dir>/<name>` once, whole or not at all, for the file outboxes (mail and SMS): a hidden temporary
 * file (mode 0600, synced) is linked to its final name, which fails if that name exists, so concurrent writes of one
 * name leave one file and a reader never sees a half-written one. The folder is created (mode 0700) if missing.
 * True when this call wrote the file, false when it already existed.
 */
export const writeOutboxFileOnce = async (
  dir: string,
  name: string,
  data: string | Buffer,
): Promise<boolean> => {
  const path = join(dir, name);
  const exists = await access(path).then(
    () => true,
    () => false,
  );
  if (exists) return false;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `.${randomBytes(8).toString('hex')}.tmp`);
  try {
    const file = await open(temp, 'wx', 0o600);
    try {
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
    await link(temp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
};
