/**
 * The download cache: `<cacheDir>/<owner>/<name>/<revision>/<path>` plus a `<path>.sha256` sidecar in `sha256sum` format.
 * Files are written whole (temp + rename) and then the sidecar, so a file at its final path is always complete;
 * one without a sidecar was seeded by hand (or the sidecar write was interrupted) and is adopted.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../store/files.ts';

export type CacheRead = { state: 'hit'; bytes: Buffer; sha256: string } | { state: 'absent' } | { state: 'corrupt'; recorded: string; actual: string };

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function sidecarPath(path: string): string {
  return `${path}.sha256`;
}

/** `cacheDir/owner/name/revision`; the revision is escaped so `refs/convert/parquet` stays one folder. */
export function repoCacheDir(cacheDir: string, repo: string, revision: string): string {
  return join(cacheDir, ...repo.split('/'), encodeURIComponent(revision));
}

async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * A cached file, checked against its sidecar and, when the hub told us one, the expected checksum.
 * A mismatch is reported, never returned as data.
 */
export async function readCached(path: string, expectedSha256?: string): Promise<CacheRead> {
  const bytes = await readIfExists(path);
  if (bytes === undefined) return { state: 'absent' };
  const actual = sha256Hex(bytes);
  const sidecar = await readIfExists(sidecarPath(path));
  const recorded = sidecar?.toString('utf8').trim().split(/\s+/)[0]?.toLowerCase();
  if (recorded !== undefined && recorded !== '' && recorded !== actual) return { state: 'corrupt', recorded, actual };
  if (expectedSha256 !== undefined && expectedSha256 !== actual) return { state: 'corrupt', recorded: expectedSha256, actual };
  if (recorded === undefined || recorded === '') await writeSidecar(path, actual);
  return { state: 'hit', bytes, sha256: actual };
}

async function writeSidecar(path: string, sha256: string): Promise<void> {
  await writeFileAtomic(sidecarPath(path), `${sha256}  ${basename(path)}\n`);
}

export async function writeCached(path: string, bytes: Uint8Array, sha256: string): Promise<void> {
  await writeFileAtomic(path, bytes);
  await writeSidecar(path, sha256);
}
