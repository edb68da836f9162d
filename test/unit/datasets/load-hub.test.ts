import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EvalflowError } from '../../../common/errors.ts';
import type { DatasetSource } from '../../../configs/schema/eval.ts';
import { hubConfigFromEnv, loadDataset, loadSplit } from '../../../datasets/load.ts';
import type { LoadOptions } from '../../../datasets/load.ts';
import { deadEndpoint, startFakeHub } from './fake-hub.ts';
import type { FakeHub } from './fake-hub.ts';

const FIXTURES = join(import.meta.dirname, '../../fixtures/datasets');
const REPOS = {
  'openai/gsm8k': join(FIXTURES, 'gsm8k'),
  'EleutherAI/hendrycks_math': join(FIXTURES, 'hendrycks'),
  'HuggingFaceH4/MATH-500': join(FIXTURES, 'math500'),
  'someone/tiny-gsm': join(FIXTURES, 'gsm8k-zstd'),
  'gated/ds': join(FIXTURES, 'gsm8k'),
};
const GSM8K: DatasetSource = { source: 'hub', repo: 'openai/gsm8k', config: 'main', split: 'test', revision: 'main' };
const TINY: DatasetSource = { source: 'hub', repo: 'someone/tiny-gsm', config: 'main', split: 'test', revision: 'main' };

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function failure(p: Promise<unknown>): Promise<EvalflowError> {
  try {
    await p;
  } catch (err) {
    return err as EvalflowError;
  }
  throw new Error('expected the load to fail');
}

let hub: FakeHub;
let cacheDir: string;
let opts: LoadOptions;

beforeEach(async () => {
  hub = await startFakeHub({ repos: REPOS, gated: ['gated/ds'], token: 'right-token', pageSize: 2, hang: ['slow/ds'] });
  cacheDir = mkdtempSync(join(tmpdir(), 'evalflow-hub-'));
  opts = { cacheDir, hub: { endpoint: hub.endpoint } };
});

afterEach(async () => {
  await hub.close();
  rmSync(cacheDir, { recursive: true, force: true });
});

describe('known layouts', () => {
  it('downloads gsm8k through the CDN redirect, caches it, and loads it again without the network', async () => {
    const first = await loadDataset(GSM8K, opts);
    expect(first.rows).toHaveLength(3);
    expect(first.rows[0]).toMatchObject({ question: expect.stringContaining('baker') as unknown, answer: expect.stringMatching(/#### 24$/) as unknown });
    const cachePath = join(cacheDir, 'openai', 'gsm8k', 'main', 'main', 'test-00000-of-00001.parquet');
    const bytes = readFileSync(join(FIXTURES, 'gsm8k/main/test-00000-of-00001.parquet'));
    expect(first.files).toEqual([{ path: cachePath, sha256: sha256(bytes), rows: 3 }]);
    expect(first.origin).toBe(`${hub.endpoint}/datasets/openai/gsm8k/tree/main`);
    expect(readFileSync(cachePath)).toEqual(bytes);
    expect(readFileSync(`${cachePath}.sha256`, 'utf8')).toBe(`${sha256(bytes)}  test-00000-of-00001.parquet\n`);
    // one hub request (the redirect) and one CDN request; no listing for a known layout
    expect(hub.requests.map((r) => r.server)).toEqual(['hub', 'cdn']);
    expect(hub.requests[0]!.path).toBe('/datasets/openai/gsm8k/resolve/main/main/test-00000-of-00001.parquet');

    const second = await loadDataset(GSM8K, opts);
    expect(hub.requests).toHaveLength(2);
    expect(second).toEqual(first);
  });

  it('loads the train split for few-shot exemplars', async () => {
    const train = await loadSplit(GSM8K, 'train', opts);
    expect(train.rows).toHaveLength(2);
    expect(hub.requests[0]!.path).toContain('/main/train-00000-of-00001.parquet');
  });

  it('sends the token to the hub but not across the redirect to the CDN', async () => {
    await loadDataset(GSM8K, { ...opts, hub: { endpoint: hub.endpoint, token: 'right-token' } });
    expect(hub.requests.map((r) => [r.server, r.authorization])).toEqual([
      ['hub', 'Bearer right-token'],
      ['cdn', undefined],
    ]);
  });

  it('concatenates hendrycks_math configs in the order given and tags each row with its config', async () => {
    const src: DatasetSource = { source: 'hub', repo: 'EleutherAI/hendrycks_math', configs: ['geometry', 'algebra'], split: 'test', revision: 'main' };
    const { rows, files } = await loadDataset(src, opts);
    expect(rows.map((r) => r.config)).toEqual(['geometry', 'algebra', 'algebra']);
    expect(rows[0]).toMatchObject({ type: 'Geometry', level: 'Level 2' });
    expect(files.map((f) => f.rows)).toEqual([1, 2]);
  });

  it('rejects a config the layout does not have, before any request', async () => {
    const src: DatasetSource = { source: 'hub', repo: 'EleutherAI/hendrycks_math', config: 'algebr', split: 'test', revision: 'main' };
    const err = await failure(loadDataset(src, opts));
    expect(err.code).toBe('config_invalid');
    expect(err.message).toContain('unknown config "algebr"');
    expect(hub.requests).toHaveLength(0);
  });

  it('reads MATH-500 from test.jsonl at the repo root (served without a redirect)', async () => {
    const src: DatasetSource = { source: 'hub', repo: 'HuggingFaceH4/MATH-500', split: 'test', revision: 'main' };
    const { rows } = await loadDataset(src, opts);
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({ answer: '\\frac{3}{4}', level: 2, subject: 'Prealgebra' });
    expect(hub.requests.map((r) => r.path)).toEqual(['/datasets/HuggingFaceH4/MATH-500/resolve/main/test.jsonl']);
  });

  it('answers a missing split with dataset_missing naming the URL', async () => {
    const err = await failure(loadSplit(GSM8K, 'validation', opts));
    expect(err.code).toBe('dataset_missing');
    expect(err.message).toContain('not found on the hub');
    expect(err.message).toContain('/resolve/main/main/validation-00000-of-00001.parquet');
  });
});

describe('generic layout via the tree listing', () => {
  it('picks <config>/<split>-*.parquet shards in name order across listing pages, then reuses the cached listing', async () => {
    const first = await loadDataset(TINY, opts);
    expect(first.rows.map((r) => r.idx)).toEqual([0, 1, 2]);
    expect(first.files.map((f) => f.path.split('/').pop())).toEqual(['test-00000-of-00002.parquet', 'test-00001-of-00002.parquet']);
    const listings = hub.requests.filter((r) => r.path.startsWith('/api/'));
    expect(listings.length).toBeGreaterThan(1); // pageSize 2 forces the Link: rel="next" walk
    expect(listings[0]!.path).toBe('/api/datasets/someone/tiny-gsm/tree/main?recursive=true');
    const count = hub.requests.length;
    const second = await loadDataset(TINY, opts);
    expect(hub.requests).toHaveLength(count);
    expect(second.rows).toEqual(first.rows);
  });

  it('names the configs that have the split when none was given', async () => {
    const err = await failure(loadDataset({ ...TINY, config: undefined }, opts));
    expect(err.code).toBe('dataset_missing');
    expect(err.message).toContain('configs that have this split: main');
  });

  it('escapes a revision with slashes in URLs and keeps it one folder in the cache', async () => {
    const { files } = await loadDataset({ ...TINY, revision: 'refs/convert/parquet' }, opts);
    expect(hub.requests[0]!.path).toBe('/api/datasets/someone/tiny-gsm/tree/refs%2Fconvert%2Fparquet?recursive=true');
    expect(hub.requests.map((r) => r.path)).toContain('/datasets/someone/tiny-gsm/resolve/refs%2Fconvert%2Fparquet/main/test-00000-of-00002.parquet');
    expect(files[0]!.path).toBe(join(cacheDir, 'someone', 'tiny-gsm', 'refs%2Fconvert%2Fparquet', 'main', 'test-00000-of-00002.parquet'));
  });
});

describe('cache integrity', () => {
  const cachePath = (): string => join(cacheDir, 'openai', 'gsm8k', 'main', 'main', 'test-00000-of-00001.parquet');

  it('re-downloads a cached file whose checksum no longer matches', async () => {
    const first = await loadDataset(GSM8K, opts);
    writeFileSync(cachePath(), 'flipped bits');
    const second = await loadDataset(GSM8K, opts);
    expect(hub.requests).toHaveLength(4);
    expect(second.rows).toEqual(first.rows);
    expect(sha256(readFileSync(cachePath()))).toBe(first.files[0]!.sha256);
  });

  it('never uses a corrupted cached file when the hub is unreachable', async () => {
    await loadDataset(GSM8K, opts);
    writeFileSync(cachePath(), 'flipped bits');
    const err = await failure(loadDataset(GSM8K, { ...opts, hub: { endpoint: await deadEndpoint() } }));
    expect(err.code).toBe('dataset_missing');
    expect(err.message).toContain('fails its checksum');
  });

  it('adopts a pre-seeded file without a sidecar, offline', async () => {
    mkdirSync(dirname(cachePath()), { recursive: true });
    copyFileSync(join(FIXTURES, 'gsm8k/main/test-00000-of-00001.parquet'), cachePath());
    const { rows } = await loadDataset(GSM8K, { ...opts, hub: { endpoint: await deadEndpoint() } });
    expect(rows).toHaveLength(3);
    expect(existsSync(`${cachePath()}.sha256`)).toBe(true);
  });

  it('retries a download that arrives damaged, and caches only the good copy', async () => {
    hub.damageNextDownloads(1);
    const { rows } = await loadDataset(GSM8K, opts);
    expect(rows).toHaveLength(3);
    expect(hub.requests.filter((r) => r.server === 'cdn')).toHaveLength(2);
  });

  it('gives up on a download that keeps arriving damaged and caches nothing', async () => {
    hub.damageNextDownloads(5);
    const err = await failure(loadDataset(GSM8K, opts));
    expect(err.code).toBe('dataset_invalid');
    expect(err.message).toContain('the hub announced');
    expect(existsSync(cachePath())).toBe(false);
  });
});

describe('hub errors', () => {
  it('explains offline with the URL, the cache path and how to provide the data', async () => {
    const endpoint = await deadEndpoint();
    const err = await failure(loadDataset(GSM8K, { ...opts, hub: { endpoint } }));
    expect(err.code).toBe('dataset_missing');
    expect(err.message).toContain('unreachable (ECONNREFUSED)');
    expect(err.message).toContain(`${endpoint}/datasets/openai/gsm8k/resolve/main/main/test-00000-of-00001.parquet`);
    expect(err.message).toContain(join(cacheDir, 'openai', 'gsm8k', 'main', 'main', 'test-00000-of-00001.parquet'));
    expect(err.message).toContain('source: local');
    expect(err.message).toContain('pre-seed the cache');
    expect(err.message).toContain('HF_ENDPOINT');
  });

  it('explains offline for the listing too', async () => {
    const err = await failure(loadDataset(TINY, { ...opts, hub: { endpoint: await deadEndpoint() } }));
    expect(err.code).toBe('dataset_missing');
    expect(err.message).toContain('the file list');
    expect(err.message).toContain('/api/datasets/someone/tiny-gsm/tree/main');
  });

  it.each([
    [undefined, 'HF_TOKEN is not set'],
    ['wrong-token', 'HF_TOKEN is set but the hub refused it'],
  ])('maps 401 to a message about HF_TOKEN (token %s)', async (token, expected) => {
    const src: DatasetSource = { ...GSM8K, repo: 'gated/ds' };
    const err = await failure(loadDataset(src, { ...opts, hub: { endpoint: hub.endpoint, token } }));
    expect(err.code).toBe('dataset_missing');
    expect(err.message).toContain('HTTP 401');
    expect(err.message).toContain('gated');
    expect(err.message).toContain(expected);
    expect(`${err.message}${JSON.stringify(err.details)}`).not.toContain('wrong-token');
  });

  it('loads a gated repo with the right token', async () => {
    const { rows } = await loadDataset({ ...GSM8K, repo: 'gated/ds' }, { ...opts, hub: { endpoint: hub.endpoint, token: 'right-token' } });
    expect(rows).toHaveLength(3);
  });

  it('stops on abort instead of reporting the hub unreachable', async () => {
    const controller = new AbortController();
    const pending = loadDataset({ ...GSM8K, repo: 'slow/ds' }, { ...opts, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const err = await failure(pending);
    expect((err as Error).name).toBe('AbortError');
  });
});

describe('hubConfigFromEnv', () => {
  it.each([
    [{}, { endpoint: 'https://huggingface.co', token: undefined }],
    [{ HF_ENDPOINT: 'http://mirror.local:8080/', HF_TOKEN: 'abc' }, { endpoint: 'http://mirror.local:8080', token: 'abc' }],
    [{ HF_ENDPOINT: '', HF_TOKEN: ' ' }, { endpoint: 'https://huggingface.co', token: undefined }],
  ])('%j', (env, expected) => {
    expect(hubConfigFromEnv(env)).toEqual(expected);
  });

  it('rejects an endpoint that is not an http(s) URL', () => {
    expect(() => hubConfigFromEnv({ HF_ENDPOINT: 'ftp://x' })).toThrow(/HF_ENDPOINT/);
  });
});
