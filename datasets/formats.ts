/** Bytes to rows for the three file formats. Pure: callers read the file and name it for error messages. */
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { EvalflowError } from '../common/errors.ts';
import type { FileFormat } from './layouts.ts';

export type DatasetRow = Record<string, unknown>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value) && !(value instanceof Date);
}

/**
 * Make a parquet value JSON-safe, since rows travel in Temporal payloads and result files:
 * INT64 arrives as bigint (a number when exact, else a decimal string), timestamps as Date (ISO text), binary as bytes (base64).
 */
export function toPlain(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number | bigint>, toPlain);
  if (Array.isArray(value)) return value.map(toPlain);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toPlain(v);
    return out;
  }
  return value;
}

export async function parseParquet(bytes: Uint8Array, file: string): Promise<DatasetRow[]> {
  // hyparquet slices an ArrayBuffer; copy out so a pooled Buffer's neighbours are never read.
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let raw: Record<string, unknown>[];
  try {
    raw = await parquetReadObjects({ file: buffer, compressors });
  } catch (err) {
    throw new EvalflowError('dataset_invalid', `${file}: not a readable parquet file (${(err as Error).message})`, { file }, { cause: err });
  }
  return raw.map((row) => toPlain(row) as DatasetRow);
}

export function parseJsonl(text: string, file: string): DatasetRow[] {
  const rows: DatasetRow[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new EvalflowError('dataset_invalid', `${file}:${i + 1}: not valid JSON (${(err as Error).message})`, { file, line: i + 1 });
    }
    if (!isPlainObject(value)) {
      throw new EvalflowError('dataset_invalid', `${file}:${i + 1}: expected a JSON object per line`, { file, line: i + 1 });
    }
    rows.push(value);
  }
  return rows;
}

export function parseJsonArray(text: string, file: string): DatasetRow[] {
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new EvalflowError('dataset_invalid', `${file}: not valid JSON (${(err as Error).message})`, { file });
  }
  if (!Array.isArray(value)) throw new EvalflowError('dataset_invalid', `${file}: expected a JSON array of objects`, { file });
  const rows: DatasetRow[] = [];
  for (const [index, item] of value.entries()) {
    if (!isPlainObject(item)) throw new EvalflowError('dataset_invalid', `${file}: item ${index} is not a JSON object`, { file, index });
    rows.push(item);
  }
  return rows;
}

// Not fatal: a stray invalid byte in one item should not sink the dataset; JSON.parse still checks structure.
const utf8 = new TextDecoder('utf-8');

const PARSERS = {
  parquet: parseParquet,
  jsonl: (bytes, file) => Promise.resolve(parseJsonl(utf8.decode(bytes), file)),
  json: (bytes, file) => Promise.resolve(parseJsonArray(utf8.decode(bytes), file)),
} satisfies Record<FileFormat, (bytes: Uint8Array, file: string) => Promise<DatasetRow[]>>;

export function parseRows(format: FileFormat, bytes: Uint8Array, file: string): Promise<DatasetRow[]> {
  return PARSERS[format](bytes, file);
}
