/**
 * Hugging Face hub access for datasets: the file list and file downloads, both cache-first.
 * Once a revision's files are cached, loading it again needs no network; pin `revision` to a commit
 * for runs that must not drift, and delete the cache folder to pick up a moved branch.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { EvalflowError } from '../common/errors.ts';
import { writeJsonAtomic } from '../store/files.ts';
import { readCached, repoCacheDir, sha256Hex, writeCached } from './cache.ts';
import { firstHeader, httpGet } from './http.ts';
import type { HttpResult } from './http.ts';

export interface HubConfig {
  /** Base URL without a trailing slash, e.g. https://huggingface.co or a mirror. */
  readonly endpoint: string;
  /** Sent as a bearer token to the hub's own origin only; never logged or put in error details. */
  readonly token?: string | undefined;
}

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

/** Same variables as huggingface_hub, so an existing setup (mirror, token) carries over. */
export function hubConfigFromEnv(env: NodeJS.ProcessEnv = process.env): HubConfig {
  const endpoint = (env.HF_ENDPOINT?.trim() || DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
  if (!URL.canParse(endpoint) || !/^https?:$/.test(new URL(endpoint).protocol)) {
    throw new EvalflowError('config_invalid', `HF_ENDPOINT must be an http(s) URL, got ${JSON.stringify(endpoint)}`, { variable: 'HF_ENDPOINT' });
  }
  const token = env.HF_TOKEN?.trim();
  return { endpoint, token: token === '' ? undefined : token };
}

/** One hub repo at one revision, plus where its files are cached. */
export interface HubRepo {
  readonly hub: HubConfig;
  readonly repo: string;
  readonly revision: string;
  readonly cacheDir: string;
  readonly signal?: AbortSignal | undefined;
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

export function resolveUrl(r: Pick<HubRepo, 'hub' | 'repo' | 'revision'>, path: string): string {
  return `${r.hub.endpoint}/datasets/${r.repo}/resolve/${encodeURIComponent(r.revision)}/${encodePath(path)}`;
}

export function treeUrl(r: Pick<HubRepo, 'hub' | 'repo' | 'revision'>): string {
  return `${r.hub.endpoint}/api/datasets/${r.repo}/tree/${encodeURIComponent(r.revision)}?recursive=true`;
}

/** A browsable page for the repo at this revision: the `origin` of loaded rows. */
export function repoPageUrl(r: Pick<HubRepo, 'hub' | 'repo' | 'revision'>): string {
  return `${r.hub.endpoint}/datasets/${r.repo}/tree/${encodeURIComponent(r.revision)}`;
}

export function cachePathOf(r: Pick<HubRepo, 'cacheDir' | 'repo' | 'revision'>, path: string): string {
  return join(repoCacheDir(r.cacheDir, r.repo, r.revision), ...path.split('/'));
}

// ---- error messages (pure, so tests can pin their wording) ----

export function unreachableMessage(a: { repo: string; what: string; url: string; cachePath: string; reason: string; corrupt: boolean }): string {
  const cacheState = a.corrupt ? 'the cached copy fails its checksum (not used)' : 'it is not in the cache';
  return [
    `dataset ${a.repo}: ${a.what}: ${cacheState} and the hub is unreachable (${a.reason}).`,
    `  looked at: ${a.url}`,
    `  cache:     ${a.cachePath}`,
    'To provide the data, either:',
    '  - put a copy in the same format on disk and use `dataset: { source: local, path: ... }` (a .parquet, .jsonl or .json file, or a folder laid out like the hub repo),',
    '  - pre-seed the cache: copy the file to the cache path above (its checksum is recorded on first use), or',
    '  - set HF_ENDPOINT to a hub mirror this machine can reach.',
  ].join('\n');
}

export function refusedMessage(a: { repo: string; url: string; status: number; tokenSet: boolean }): string {
  const token = a.tokenSet ? 'HF_TOKEN is set but the hub refused it' : 'HF_TOKEN is not set';
  return [
    `dataset ${a.repo}: the hub refused ${a.url} (HTTP ${a.status}).`,
    `The dataset may be gated or private (or the repo id is wrong): accept its terms on the dataset page and set HF_TOKEN to an access token that can read it (${token}).`,
  ].join('\n');
}

function failOnStatus(res: Extract<HttpResult, { kind: 'response' }>, a: { repo: string; url: string; what: string; tokenSet: boolean }): void {
  if (res.status >= 200 && res.status < 300) return;
  const details = { repo: a.repo, url: a.url, status: res.status };
  if (res.status === 401 || res.status === 403) {
    throw new EvalflowError('dataset_missing', refusedMessage({ repo: a.repo, url: a.url, status: res.status, tokenSet: a.tokenSet }), details);
  }
  if (res.status === 404) {
    throw new EvalflowError('dataset_missing', `dataset ${a.repo}: ${a.what} not found on the hub (${a.url}); check the repo, config, split and revision`, details);
  }
  throw new EvalflowError('dataset_missing', `dataset ${a.repo}: the hub answered HTTP ${res.status} for ${a.url}`, details);
}

// ---- the file list ----

const TreeEntry = z.object({
  type: z.string(),
  path: z.string(),
  lfs: z.object({ oid: z.string() }).nullish(),
});
const TreePage = z.array(TreeEntry);

/** The repo's files at one revision, with the sha256 of LFS files (the hub stores those by content hash). */
export const HubListing = z.strictObject({
  files: z.array(z.strictObject({ path: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/).optional() })),
});
export type HubListing = z.infer<typeof HubListing>;

const LISTING_FILE = '.evalflow-tree.json';
const MAX_PAGES = 200;

function nextPage(link: string | undefined, base: string): string | undefined {
  const m = link === undefined ? null : /<([^>]+)>\s*;\s*rel="?next"?/.exec(link);
  return m ? new URL(m[1]!, base).href : undefined;
}

export async function hubListing(r: HubRepo): Promise<HubListing> {
  const cachePath = join(repoCacheDir(r.cacheDir, r.repo, r.revision), LISTING_FILE);
  try {
    const cached = HubListing.safeParse(JSON.parse(await readFile(cachePath, 'utf8')));
    if (cached.success) return cached.data;
  } catch {
    // absent or unreadable: fetch it again
  }
  const files: HubListing['files'] = [];
  let url: string | undefined = treeUrl(r);
  for (let page = 0; url !== undefined && page < MAX_PAGES; page++) {
    const res = await httpGet(url, { token: r.hub.token, signal: r.signal });
    if (res.kind === 'unreachable') {
      const message = unreachableMessage({ repo: r.repo, what: 'the file list', url, cachePath, reason: res.reason, corrupt: false });
      throw new EvalflowError('dataset_missing', message, { repo: r.repo, url, cache_path: cachePath, reason: res.reason });
    }
    failOnStatus(res, { repo: r.repo, url, what: `revision ${r.revision}`, tokenSet: r.hub.token !== undefined });
    let parsed;
    try {
      parsed = TreePage.safeParse(JSON.parse(res.body.toString('utf8')));
    } catch {
      parsed = undefined;
    }
    if (!parsed?.success) throw new EvalflowError('dataset_invalid', `dataset ${r.repo}: unexpected file list from ${url}`, { repo: r.repo, url });
    for (const e of parsed.data) {
      if (e.type !== 'file') continue;
      const sha = e.lfs?.oid.toLowerCase();
      files.push(sha !== undefined && /^[0-9a-f]{64}$/.test(sha) ? { path: e.path, sha256: sha } : { path: e.path });
    }
    url = nextPage(firstHeader(res.hops.slice(-1), 'link'), url);
  }
  const listing: HubListing = { files };
  await writeJsonAtomic(cachePath, listing);
  return listing;
}

// ---- one file ----

export interface HubFile {
  readonly cachePath: string;
  readonly bytes: Buffer;
  readonly sha256: string;
}

/** The hub's own statement of an LFS file's sha256 (on its first response, before the CDN redirect). */
function announcedSha256(res: Extract<HttpResult, { kind: 'response' }>): string | undefined {
  const first = res.hops.slice(0, 1);
  const tag = (firstHeader(first, 'x-linked-etag') ?? firstHeader(first, 'etag'))?.replace(/^W\//, '').replaceAll('"', '').toLowerCase();
  return tag !== undefined && /^[0-9a-f]{64}$/.test(tag) ? tag : undefined;
}

const DOWNLOAD_ATTEMPTS = 2; // a second try for a transfer that arrived damaged

/** A file from the cache if its checksum holds, else downloaded, verified and cached. */
export async function hubFile(r: HubRepo, path: string, expectedSha256?: string): Promise<HubFile> {
  const cachePath = cachePathOf(r, path);
  const cached = await readCached(cachePath, expectedSha256);
  if (cached.state === 'hit') return { cachePath, bytes: cached.bytes, sha256: cached.sha256 };
  const url = resolveUrl(r, path);
  for (let attempt = 1; ; attempt++) {
    const res = await httpGet(url, { token: r.hub.token, signal: r.signal });
    if (res.kind === 'unreachable') {
      const message = unreachableMessage({ repo: r.repo, what: path, url, cachePath, reason: res.reason, corrupt: cached.state === 'corrupt' });
      throw new EvalflowError('dataset_missing', message, { repo: r.repo, url, cache_path: cachePath, reason: res.reason });
    }
    failOnStatus(res, { repo: r.repo, url, what: path, tokenSet: r.hub.token !== undefined });
    const sha256 = sha256Hex(res.body);
    const announced = expectedSha256 ?? announcedSha256(res);
    if (announced === undefined || announced === sha256) {
      await writeCached(cachePath, res.body, sha256);
      return { cachePath, bytes: res.body, sha256 };
    }
    if (attempt >= DOWNLOAD_ATTEMPTS) {
      throw new EvalflowError('dataset_invalid', `dataset ${r.repo}: ${url} arrived with sha256 ${sha256}, the hub announced ${announced}; not cached`, {
        repo: r.repo,
        url,
      });
    }
  }
}
