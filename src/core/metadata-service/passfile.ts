// libpq's password file (https://www.postgresql.org/docs/current/libpq-pgpass.html):
// host:port:database:username:password, with `\` and `:` escaped by a backslash; libpq ignores the
// file unless only its owner can read it. Written whole to a temporary name, then renamed, so a
// client never reads half a line.
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import type { LakebaseCredential } from '../databricks/lakebase.ts';

const escaped = (field: string): string => field.replace(/[\\:]/g, (c) => `\\${c}`);

export function passfileLine(credential: LakebaseCredential): string {
  const { host, port, database, user, password } = credential;
  return `${[host, String(port), database, user, password].map(escaped).join(':')}\n`;
}

export async function writePassfile(path: string, credential: LakebaseCredential): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}`;
  try {
    await writeFile(temporary, passfileLine(credential), { mode: 0o600, flag: 'wx' });
    await rename(temporary, path);
  } finally {
    await rm(temporary, { force: true });
  }
}

export async function removePassfile(path: string): Promise<void> {
  await rm(path, { force: true });
}
