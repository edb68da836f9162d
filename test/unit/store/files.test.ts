import { afterEach, describe, expect, it } from 'vitest';
import { appendFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toCsv, writeJsonAtomic } from '../../../store/files.ts';
import { JsonlAppender, JsonlParseError, readJsonlRecovering } from '../../../store/jsonl.ts';

const dirs: string[] = [];
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'evalflow-files-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('atomic writes', () => {
  it('leaves no temp file behind and replaces the whole file', async () => {
    const d = await tmp();
    await writeJsonAtomic(join(d, 'a.json'), { x: 1 });
    await writeJsonAtomic(join(d, 'a.json'), { x: 2 });
    expect(JSON.parse(await readFile(join(d, 'a.json'), 'utf8'))).toEqual({ x: 2 });
    expect(await readdir(d)).toEqual(['a.json']);
  });
});

describe('toCsv', () => {
  it('quotes commas, quotes and newlines; unions the columns; empties nulls', () => {
    expect(toCsv([{ a: 1, b: 'x,y' }, { a: null, c: 'say "hi"\nthere' }])).toBe('a,b,c\n1,"x,y",\n,,"say ""hi""\nthere"\n');
  });
});

describe('JSONL with torn-line recovery', () => {
  it('cuts a torn last line off the file so appends continue cleanly', async () => {
    const d = await tmp();
    const f = join(d, 'r.jsonl');
    await writeFile(f, '{"id":"a"}\n{"id":"b"}\n{"id":"c","resp');
    expect(await readJsonlRecovering<{ id: string }>(f)).toEqual([{ id: 'a' }, { id: 'b' }]);
    const w = await JsonlAppender.open(f);
    await w.append({ id: 'c' });
    await w.close();
    expect(await readFile(f, 'utf8')).toBe('{"id":"a"}\n{"id":"b"}\n{"id":"c"}\n');
  });

  it('names the file and line of a bad line in the middle', async () => {
    const d = await tmp();
    const f = join(d, 'r.jsonl');
    await writeFile(f, '{"id":"a"}\nnot json\n{"id":"b"}\n');
    const err = await readJsonlRecovering(f).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JsonlParseError);
    expect((err as Error).message).toMatch(/r\.jsonl:2: not valid JSON/);
  });

  it('treats a missing file as empty', async () => {
    const d = await tmp();
    expect(await readJsonlRecovering(join(d, 'none.jsonl'))).toEqual([]);
    await appendFile(join(d, 'x'), '');
  });
});
