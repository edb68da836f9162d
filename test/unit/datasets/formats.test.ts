import { describe, expect, it } from 'vitest';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { EvalflowError } from '../../../common/errors.ts';
import { parseJsonArray, parseJsonl, parseParquet, toPlain } from '../../../datasets/formats.ts';

function thrown(fn: () => unknown): EvalflowError {
  try {
    fn();
  } catch (err) {
    return err as EvalflowError;
  }
  throw new Error('expected a throw');
}

describe('toPlain', () => {
  it.each([
    ['safe bigint', 42n, 42],
    ['negative bigint', -7n, -7],
    ['bigint beyond 2^53 keeps every digit', 9007199254740993n, '9007199254740993'],
    ['date', new Date('2024-01-02T03:04:05Z'), '2024-01-02T03:04:05.000Z'],
    ['bytes', new Uint8Array([104, 105]), 'aGk='],
    ['typed numbers', new BigInt64Array([1n, 2n]), [1, 2]],
    ['nested', { a: [1n, { b: 2n }], c: 'x', d: null }, { a: [1, { b: 2 }], c: 'x', d: null }],
    ['strings stay', '0012', '0012'],
  ])('%s', (_name, input, expected) => {
    expect(toPlain(input)).toEqual(expected);
  });
});

describe('parseJsonl', () => {
  it('skips blank lines and tolerates CRLF and a BOM', () => {
    expect(parseJsonl('\uFEFF{"a":1}\r\n\r\n{"a":2}\r\n', 'f.jsonl')).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it.each([
    ['bad JSON', '{"a":1}\n{"a":\n', 2, 'not valid JSON'],
    ['not an object', '{"a":1}\n\n[1,2]\n', 3, 'expected a JSON object'],
  ])('%s names the file and line', (_name, text, line, reason) => {
    const err = thrown(() => parseJsonl(text, 'data/x.jsonl'));
    expect(err.code).toBe('dataset_invalid');
    expect(err.message).toContain(`data/x.jsonl:${line}:`);
    expect(err.message).toContain(reason);
    expect(err.details).toEqual({ file: 'data/x.jsonl', line });
  });
});

describe('parseJsonArray', () => {
  it('reads an array of objects', () => {
    expect(parseJsonArray('[{"a":1},{"b":"x"}]', 'f.json')).toEqual([{ a: 1 }, { b: 'x' }]);
  });

  it.each([
    ['not JSON', '[{', 'not valid JSON'],
    ['not an array', '{"rows":[]}', 'expected a JSON array'],
    ['an item that is not an object', '[{"a":1}, 3]', 'item 1'],
  ])('rejects %s', (_name, text, reason) => {
    const err = thrown(() => parseJsonArray(text, 'f.json'));
    expect(err.code).toBe('dataset_invalid');
    expect(err.message).toContain('f.json');
    expect(err.message).toContain(reason);
  });
});

describe('parseParquet', () => {
  it('returns plain rows (INT64 as numbers, nulls kept)', async () => {
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'id', data: [1n, 2n], type: 'INT64' },
        { name: 'text', data: ['a', null], type: 'STRING' },
      ],
    });
    expect(await parseParquet(new Uint8Array(buffer), 'mem.parquet')).toEqual([
      { id: 1, text: 'a' },
      { id: 2, text: null },
    ]);
  });

  it('names a file that is not parquet', async () => {
    await expect(parseParquet(new TextEncoder().encode('nope'), 'x.parquet')).rejects.toMatchObject({ code: 'dataset_invalid', message: expect.stringContaining('x.parquet') as unknown });
  });
});
