import { describe, expect, it } from 'vitest';
import {
  KNOWN_LAYOUTS,
  MATH_SUBJECTS,
  configsWithSplit,
  fileFormat,
  isSafeRelativePath,
  knownLayout,
  knownLayoutPath,
  matchSplitFiles,
  planConfigs,
  triedPatterns,
} from '../../../datasets/layouts.ts';

describe('known layouts', () => {
  it.each([
    ['openai/gsm8k', 'main', 'test', 'main/test-00000-of-00001.parquet'],
    ['openai/gsm8k', 'socratic', 'train', 'socratic/train-00000-of-00001.parquet'],
    ['EleutherAI/hendrycks_math', 'number_theory', 'test', 'number_theory/test-00000-of-00001.parquet'],
    ['HuggingFaceH4/MATH-500', null, 'test', 'test.jsonl'],
  ])('%s %s/%s → %s', (repo, config, split, path) => {
    expect(knownLayoutPath(knownLayout(repo)!, config, split)).toBe(path);
  });

  it('looks repos up case-insensitively, and only known ones', () => {
    expect(knownLayout('OpenAI/GSM8K')).toBe(KNOWN_LAYOUTS['openai/gsm8k']);
    expect(knownLayout('someone/else')).toBeUndefined();
  });
});

describe('planConfigs', () => {
  const gsm8k = KNOWN_LAYOUTS['openai/gsm8k'];
  const math = KNOWN_LAYOUTS['EleutherAI/hendrycks_math'];
  const math500 = KNOWN_LAYOUTS['HuggingFaceH4/MATH-500'];
  it.each([
    ['gsm8k default', {}, gsm8k, { configs: ['main'], tagRows: false }],
    ['gsm8k named', { config: 'socratic' }, gsm8k, { configs: ['socratic'], tagRows: false }],
    ['MATH default: every subject, tagged', {}, math, { configs: MATH_SUBJECTS, tagRows: true }],
    ['MATH list', { configs: ['algebra', 'geometry', 'algebra'] }, math, { configs: ['algebra', 'geometry'], tagRows: true }],
    ['MATH-500 has no configs', {}, math500, { configs: [null], tagRows: false }],
    ['MATH-500 accepts the implicit default', { config: 'default' }, math500, { configs: ['default'], tagRows: false }],
    ['generic without config', {}, undefined, { configs: [null], tagRows: false }],
    ['generic list of one is still tagged', { configs: ['x'] }, undefined, { configs: ['x'], tagRows: true }],
  ] as const)('%s', (_name, source, layout, plan) => {
    expect(planConfigs(source, layout)).toEqual({ ok: true, plan });
  });

  it.each([
    ['both config and configs', { config: 'a', configs: ['b'] }, undefined, 'not both'],
    ['empty configs', { configs: [] }, undefined, 'empty'],
    ['unknown subject', { configs: ['algebra', 'calculus'] }, KNOWN_LAYOUTS['EleutherAI/hendrycks_math'], 'unknown config "calculus"'],
    ['config on a config-less repo', { config: 'main' }, KNOWN_LAYOUTS['HuggingFaceH4/MATH-500'], 'no configs'],
  ] as const)('rejects %s', (_name, source, layout, reason) => {
    const result = planConfigs(source, layout);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toContain(reason);
  });
});

describe('matchSplitFiles', () => {
  const hubLike = [
    'README.md',
    'main/test-00001-of-00002.parquet',
    'main/test-00000-of-00002.parquet',
    'main/train-00000-of-00001.parquet',
    'socratic/test-00000-of-00001.parquet',
    'main/testing-00000-of-00001.parquet',
  ];
  it.each([
    ['shards in name order', hubLike, 'main', 'test', ['main/test-00000-of-00002.parquet', 'main/test-00001-of-00002.parquet']],
    ['split prefix is not a wildcard', hubLike, 'main', 'train', ['main/train-00000-of-00001.parquet']],
    ['parquet-conversion branch', ['main/test/0000.parquet', 'main/test/0001.parquet'], 'main', 'test', ['main/test/0000.parquet', 'main/test/0001.parquet']],
    ['data/ folder without config', ['data/test-00000-of-00001.parquet', 'data/train-00000-of-00001.parquet'], null, 'test', ['data/test-00000-of-00001.parquet']],
    ['root shards without config', ['test-00000-of-00001.parquet'], null, 'test', ['test-00000-of-00001.parquet']],
    ['root JSONL without config', ['test.jsonl', 'train.jsonl'], null, 'test', ['test.jsonl']],
    ['root JSONL under the implicit default config', ['test.jsonl'], 'default', 'test', ['test.jsonl']],
    ['config JSONL', ['a/test.jsonl', 'b/test.jsonl'], 'b', 'test', ['b/test.jsonl']],
    ['parquet wins over JSONL', ['a/test-0.parquet', 'a/test.jsonl'], 'a', 'test', ['a/test-0.parquet']],
    ['regex characters in names are literal', ['x.y/test-0.parquet', 'xzy/test-0.parquet'], 'x.y', 'test', ['x.y/test-0.parquet']],
  ] as const)('%s', (_name, files, config, split, expected) => {
    expect(matchSplitFiles(files, config, split)?.files).toEqual(expected);
  });

  it.each([
    ['a named config never falls back to repo-wide files', ['data/test-0.parquet', 'test.jsonl'], 'main', 'test'],
    ['no config never picks a config folder', ['main/test-0.parquet'], null, 'test'],
    ['nothing for the split', ['main/train-0.parquet'], 'main', 'test'],
  ] as const)('%s', (_name, files, config, split) => {
    expect(matchSplitFiles(files, config, split)).toBeNull();
  });

  it('lists what it tried and which configs have the split', () => {
    expect(triedPatterns(null, 'test')).toEqual(['data/test-*.parquet', 'test-*.parquet', 'test.jsonl', 'data/test.jsonl']);
    expect(triedPatterns('main', 'test')).toEqual(['main/test-*.parquet', 'main/test/*.parquet', 'main/test.jsonl']);
    expect(configsWithSplit(['main/test-0.parquet', 'b/test.jsonl', 'c/test/0.parquet', 'data/test-0.parquet', 'd/train-0.parquet'], 'test')).toEqual(['b', 'c', 'main']);
  });
});

describe('paths', () => {
  it.each([
    ['main/test-00000-of-00001.parquet', true],
    ['test.jsonl', true],
    ['../escape.parquet', false],
    ['main/../../x', false],
    ['/abs/path', false],
    ['a//b', false],
    ['a\\b', false],
    ['', false],
  ])('isSafeRelativePath(%j) = %s', (path, safe) => {
    expect(isSafeRelativePath(path)).toBe(safe);
  });

  it.each([
    ['a.parquet', 'parquet'],
    ['A.JSONL', 'jsonl'],
    ['x.ndjson', 'jsonl'],
    ['items.json', 'json'],
    ['data.csv', undefined],
    ['noext', undefined],
  ])('fileFormat(%j) = %s', (path, format) => {
    expect(fileFormat(path)).toBe(format);
  });
});
