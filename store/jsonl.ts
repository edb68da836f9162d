import { open, readFile, truncate, mkdir } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

export class JsonlParseError extends Error {
  override name = 'JsonlParseError';
  readonly file: string;
  readonly line: number;
  constructor(file: string, line: number, reason: string) {
    super(`${file}:${line}: not valid JSON (${reason})`);
    this.file = file;
    this.line = line;
  }
}

/**
 * Read a JSONL file that a crashed writer may have left with a torn last line.
 * The torn tail (no trailing newline) is cut off the file, so appends continue cleanly.
 * A bad line anywhere else is an error naming the file and line.
 */
export async function readJsonlRecovering<T>(path: string): Promise<T[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const lastNewline = text.lastIndexOf('\n');
  if (lastNewline !== text.length - 1) {
    const keep = lastNewline + 1;
    await truncate(path, Buffer.byteLength(text.slice(0, keep)));
    text = text.slice(0, keep);
  }
  const out: T[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch (err) {
      throw new JsonlParseError(path, i + 1, (err as Error).message);
    }
  }
  return out;
}

/** Appends one JSON value per line; each line reaches the disk before append() resolves. */
export class JsonlAppender {
  private readonly fh: FileHandle;
  private constructor(fh: FileHandle) {
    this.fh = fh;
  }

  static async open(path: string): Promise<JsonlAppender> {
    await mkdir(dirname(path), { recursive: true });
    return new JsonlAppender(await open(path, 'a'));
  }

  async append(value: unknown): Promise<void> {
    await this.fh.write(`${JSON.stringify(value)}\n`);
    await this.fh.datasync();
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

export function toJsonl(values: readonly unknown[]): string {
  return values.map((v) => `${JSON.stringify(v)}\n`).join('');
}
