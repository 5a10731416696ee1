// libpq's password file (https://www.postgresql.org/docs/current/libpq-pgpass.html):
// host:port:database:username:password, with `\` and `:` escaped by a backslash; libpq ignores the
// file unless only its owner can read it. Written whole to a temporary name, then renamed, so a
// client never reads half a line.
import { randomBytes } from 'node:crypto';
import type { LakebaseCredential } from '../databricks/lakebase.ts';

/** The file operations a passfile needs, given by the edge (node:fs/promises): the core has no fs. */
export interface PassfileFs {
  writeFile(path: string, data: string, options: { mode: number; flag: string }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options: { force: boolean }): Promise<void>;
}

/** Where libpq's password file is kept, and how to write it. */
export interface Passfile {
  path: string;
  fs: PassfileFs;
}

const escaped = (field: string): string => field.replace(/[\\:]/g, (c) => `\\${c}`);

export function passfileLine(credential: LakebaseCredential): string {
  const { host, port, database, user, password } = credential;
  return `${[host, String(port), database, user, password].map(escaped).join(':')}\n`;
}

export async function writePassfile(
  { path, fs }: Passfile,
  credential: LakebaseCredential,
): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}`;
  try {
    await fs.writeFile(temporary, passfileLine(credential), { mode: 0o600, flag: 'wx' });
    await fs.rename(temporary, path);
  } finally {
    await fs.rm(temporary, { force: true });
  }
}

export async function removePassfile({ path, fs }: Passfile): Promise<void> {
  await fs.rm(path, { force: true });
}
