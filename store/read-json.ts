import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { EvalflowError } from '../common/errors.ts';

/**
 * A JSON results file checked by a schema: null when it does not exist; an input_invalid error naming the
 * file (and the first few issues: a raw-records file can have thousands) when it is malformed.
 */
export async function readJsonFile<S extends z.ZodType>(schema: S, file: string): Promise<z.infer<S> | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new EvalflowError('input_invalid', `${file}: not valid JSON (${(err as Error).message})`, { file });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new EvalflowError('input_invalid', `${file}: ${issues.join('; ')}`, { file });
  }
  return parsed.data;
}
