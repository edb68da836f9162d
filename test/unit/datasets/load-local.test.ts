import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EvalflowError } from '../../../common/errors.ts';
import type { DatasetSource } from '../../../configs/schema/eval.ts';
import { loadDataset, loadSplit } from '../../../datasets/load.ts';
import type { LoadOptions } from '../../../datasets/load.ts';

const FIXTURES = join(import.meta.dirname, '../../fixtures/datasets');

function local(path: string, extra: Partial<Extract<DatasetSource, { source: 'local' }>> = {}): DatasetSource {
  return { source: 'local', path, split: 'test', ...extra };
}

async function failure(p: Promise<unknown>): Promise<EvalflowError> {
  try {
    await p;
  } catch (err) {
    return err as EvalflowError;
  }
  throw new Error('expected the load to fail');
}

let tmp: string;
let opts: LoadOptions;

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'evalflow-local-'));
  // a dead endpoint: local loads must never touch the hub
  opts = { cacheDir: join(tmp, 'cache'), baseDir: FIXTURES, hub: { endpoint: 'http://127.0.0.1:9' } };
});

afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('single files', () => {
  it('reads a snappy parquet file and reports its checksum', async () => {
    const path = join(FIXTURES, 'gsm8k/main/test-00000-of-00001.parquet');
    const { rows, files, origin } = await loadDataset(local('gsm8k/main/test-00000-of-00001.parquet'), opts);
    expect(rows).toHaveLength(3);
    expect(Object.keys(rows[0]!)).toEqual(['question', 'answer']);
    expect(files).toEqual([{ path, sha256: createHash('sha256').update(readFileSync(path)).digest('hex'), rows: 3 }]);
    expect(origin).toBe(path);
  });

  it('reads a zstd parquet file and turns INT64 into numbers', async () => {
    const { rows } = await loadDataset(local('gsm8k-zstd/main/test-00000-of-00002.parquet'), opts);
    expect(rows.map((r) => r.idx)).toEqual([0, 1]);
    expect(typeof rows[0]!.idx).toBe('number');
  });

  it('reads JSONL and a JSON array', async () => {
    expect((await loadDataset(local('math500/test.jsonl'), opts)).rows.map((r) => r.unique_id)).toEqual(['test/prealgebra/f1.json', 'test/prealgebra/f2.json']);
    expect((await loadDataset(local('items.json'), opts)).rows).toEqual([
      { prompt: 'Say yes.', label: 'yes' },
      { prompt: 'Say no.', label: 'no' },
    ]);
  });

  it('resolves an absolute path regardless of baseDir', async () => {
    const { rows } = await loadDataset(local(join(FIXTURES, 'items.json')), { ...opts, baseDir: tmp });
    expect(rows).toHaveLength(2);
  });

  it('refuses another split of a single file, so test items never become few-shot exemplars', async () => {
    const err = await failure(loadSplit(local('math500/test.jsonl'), 'train', opts));
    expect(err.code).toBe('dataset_missing');
    expect(err.message).toContain('holds only split test');
  });

  it('refuses config on a single file', async () => {
    const err = await failure(loadDataset(local('items.json', { config: 'main' }), opts));
    expect(err.code).toBe('config_invalid');
  });

  it('refuses an unknown file type', async () => {
    writeFileSync(join(tmp, 'data.csv'), 'a,b\n1,2\n');
    const err = await failure(loadDataset(local(join(tmp, 'data.csv')), opts));
    expect(err.code).toBe('dataset_invalid');
    expect(err.message).toContain('.parquet, .jsonl or .json');
  });
});

describe('folders laid out like the hub repo', () => {
  it('resolves <config>/<split>-*.parquet and concatenates zstd shards in name order', async () => {
    const { rows, files } = await loadDataset(local('gsm8k-zstd', { config: 'main' }), opts);
    expect(rows.map((r) => r.idx)).toEqual([0, 1, 2]);
    expect(files.map((f) => f.rows)).toEqual([2, 1]);
    expect(rows[0]).not.toHaveProperty('config');
  });

  it('loads the train split of the same folder', async () => {
    const { rows } = await loadSplit(local('gsm8k', { config: 'main' }), 'train', opts);
    expect(rows).toHaveLength(2);
    expect(rows[0]!.answer).toMatch(/#### 30$/);
  });

  it('concatenates configs and tags each row with its config', async () => {
    const { rows } = await loadDataset(local('hendrycks', { configs: ['algebra', 'geometry'] }), opts);
    expect(rows.map((r) => [r.config, r.type])).toEqual([
      ['algebra', 'Algebra'],
      ['algebra', 'Algebra'],
      ['geometry', 'Geometry'],
    ]);
  });

  it('does not tag rows when one config is named', async () => {
    const { rows } = await loadDataset(local('hendrycks', { config: 'geometry' }), opts);
    expect(rows).toHaveLength(1);
    expect(rows[0]).not.toHaveProperty('config');
  });

  it('names the available configs when none is given', async () => {
    const err = await failure(loadDataset(local('hendrycks'), opts));
    expect(err.code).toBe('dataset_missing');
    expect(err.message).toContain('configs that have this split: algebra, geometry');
  });

  it('finds <split>.jsonl at the root (MATH-500 layout)', async () => {
    const { rows } = await loadDataset(local('math500'), opts);
    expect(rows).toHaveLength(2);
  });

  it('rejects config and configs together', async () => {
    const err = await failure(loadDataset(local('hendrycks', { config: 'algebra', configs: ['geometry'] }), opts));
    expect(err.code).toBe('config_invalid');
  });
});

describe('errors', () => {
  it('names the file and line of a JSONL line that does not parse', async () => {
    const err = await failure(loadDataset(local('bad-line.jsonl'), opts));
    expect(err.code).toBe('dataset_invalid');
    expect(err.message).toContain(`${join(FIXTURES, 'bad-line.jsonl')}:3:`);
    expect(err.details).toMatchObject({ line: 3 });
  });

  it('names a parquet file that cannot be read', async () => {
    const err = await failure(loadDataset(local('not-parquet.parquet'), opts));
    expect(err.code).toBe('dataset_invalid');
    expect(err.message).toContain(join(FIXTURES, 'not-parquet.parquet'));
  });

  it('names the path a missing local source resolved to', async () => {
    const err = await failure(loadDataset(local('nowhere/test.jsonl'), opts));
    expect(err.code).toBe('dataset_missing');
    expect(err.message).toContain(join(FIXTURES, 'nowhere/test.jsonl'));
    expect(err.details).toMatchObject({ path: join(FIXTURES, 'nowhere/test.jsonl') });
  });

  it('points a missing RouterBench file to data/routerbench/README.md', async () => {
    const err = await failure(loadDataset(local('data/routerbench/routerbench.jsonl'), { ...opts, baseDir: tmp, benchmark: 'routerbench' }));
    expect(err.code).toBe('dataset_missing');
    expect(err.message).toContain(join(tmp, 'data/routerbench/routerbench.jsonl'));
    expect(err.message).toContain('data/routerbench/README.md');
  });

  it('gives no RouterBench advice for other benchmarks', async () => {
    const err = await failure(loadDataset(local('nowhere.jsonl'), { ...opts, benchmark: 'gsm8k' }));
    expect(err.message).not.toContain('README');
  });

  it('stops before reading when already aborted', async () => {
    const err = await failure(loadDataset(local('items.json'), { ...opts, signal: AbortSignal.abort() }));
    expect((err as Error).name).toBe('AbortError');
  });
});
