import { describe, expect, it } from 'vitest';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { z } from 'zod';
import { loadConfigFile } from '../../../configs/load.ts';
import { loadSuite } from '../../../configs/resolve.ts';
import { ServingConfig } from '../../../configs/schema/serving.ts';
import { BenchmarkConfig } from '../../../configs/schema/benchmark.ts';
import { EvalConfig } from '../../../configs/schema/eval.ts';
import { ModelsConfig } from '../../../configs/schema/models.ts';
import { PresetsConfig } from '../../../configs/schema/presets.ts';
import { detectConfigKind, loadSweep } from '../../../sweep/load.ts';

/** The schema for each top-level config file; suites go through loadSuite (which loads what they reference). */
const TOP_LEVEL: Record<string, z.ZodType> = {
  'configs/serving.yaml': ServingConfig,
  'configs/benchmark.yaml': BenchmarkConfig,
  'configs/eval.yaml': EvalConfig,
  'configs/models.yaml': ModelsConfig,
  'configs/presets.yaml': PresetsConfig,
};

async function yamlFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await yamlFiles(path)));
    else if (/\.ya?ml$/.test(entry.name)) out.push(relative(process.cwd(), path));
  }
  return out.sort();
}

const files = await yamlFiles('configs');

describe('every checked-in config YAML loads through the CLI loader', () => {
  it('knows every YAML file under configs/ (a new file needs a schema here)', () => {
    const unknown = files.filter((f) => !(f in TOP_LEVEL) && !f.startsWith('configs/suites/') && !f.startsWith('configs/schedules/'));
    expect(unknown).toEqual([]);
  });

  it.each(Object.keys(TOP_LEVEL))('%s', async (file) => {
    await expect(loadConfigFile(TOP_LEVEL[file]!, file)).resolves.toBeDefined();
  });

  it.each(files.filter((f) => f.startsWith('configs/suites/')))('%s', async (file) => {
    if ((await detectConfigKind(file)) === 'sweep') {
      // A sweep (kind: sweep) loads the suite it names once per model.
      const sweep = await loadSweep(file);
      expect(sweep.configHash).toMatch(/^[0-9a-f]{16}$/);
      expect(sweep.runs.length).toBeGreaterThan(0);
      return;
    }
    const suite = await loadSuite(file);
    expect(suite.configHash).toMatch(/^[0-9a-f]{16}$/);
    expect(suite.steps.length).toBeGreaterThan(0);
  });
});
