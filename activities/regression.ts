import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResolvedSuite } from '../configs/resolve.ts';
import { suiteConfigHash } from '../configs/resolve.ts';
import type { BaselineSpec } from '../configs/schema/schedule.ts';
import type { RegressionPolicy } from '../regression/policy.ts';
import type { RegressionVerdict, MetricRow } from '../regression/types.ts';
import { compareRuns } from '../regression/verdict.ts';
import { loadRunData } from '../regression/load.ts';
import { writeVerdict } from '../regression/report.ts';
import { postVerdict as postVerdictWebhook } from '../regression/webhook.ts';
import type { RunRef } from '../regression/run-ref.ts';
import { openRunIndex, runIndexLocation } from '../runindex/open.ts';
import type { RunIndex } from '../runindex/types.ts';
import { lastGoodRun } from '../runindex/baseline.ts';
import { configOfSuite, registerRun as registerInIndex } from '../runindex/scan.ts';
import { writeJsonAtomic, writeTextAtomic } from '../store/files.ts';
import type { Phase1Result } from '../workflows/phase1-suite.ts';
import { EvalflowError } from '../common/errors.ts';
import { classified } from './context.ts';

export interface VerdictSummary {
  verdict: RegressionVerdict['overall'];
  baseline: string | null;
  verdictJson: string;
  verdictMarkdown: string;
  headline: string;
}

async function withIndex<T>(location: string | undefined, fn: (index: RunIndex) => Promise<T>): Promise<T> {
  const index = await openRunIndex(runIndexLocation(location));
  try {
    return await fn(index);
  } finally {
    await index.close();
  }
}

/** The run folders a finished suite wrote (skipped steps' folders included: they hold this config's results). */
export function runRefOf(result: Phase1Result): RunRef {
  const dirOf = (step: string): string | undefined => result.steps.find((s) => s.step === step)?.dir;
  const throughput = dirOf('throughput');
  const online = dirOf('online');
  return {
    ...(throughput ? { throughput } : {}),
    ...(online ? { online } : {}),
    ...(result.qualityDir ? { quality: result.qualityDir } : {}),
  };
}

function headlineOf(verdict: RegressionVerdict): string {
  const flagged = Object.values(verdict.sections)
    .flat()
    .filter((r: MetricRow) => r.verdict === 'regressed' || r.verdict === 'improved');
  const counts = Object.entries(verdict.counts)
    .filter(([, n]) => n > 0)
    .map(([v, n]) => `${n} ${v}`)
    .join(', ');
  const lines = flagged.slice(0, 8).map((r) => `${r.marker} ${r.group} ${r.metric}: ${r.baseline ?? '-'} → ${r.candidate ?? '-'} (${r.rel_delta_pct === null ? '' : `${r.rel_delta_pct.toFixed(1)}%, `}${r.verdict})`);
  return [counts, ...lines].join('\n');
}

export function createRegressionActivities() {
  return {
    /** A suite that measures afresh: its run tag enters every step key and the config hash. */
    async tagSuite(args: { suite: ResolvedSuite; runTag: string }): Promise<ResolvedSuite> {
      const tagged: ResolvedSuite = { ...args.suite, runTag: args.runTag };
      return Promise.resolve({ ...tagged, configHash: suiteConfigHash(tagged) });
    },

    async registerRun(args: { suite: ResolvedSuite; result: Phase1Result; runIndex?: string }): Promise<{ runId: string; verdictDir: string }> {
      return classified(() =>
        withIndex(args.runIndex, async (index) => {
          const record = await registerInIndex(index, runRefOf(args.result), { config: configOfSuite(args.suite), status: 'complete' });
          return { runId: record.id, verdictDir: join(args.result.resultsRoot, 'regression', record.id) };
        }),
      );
    },

    async compareWithBaseline(args: { candidate: string; baseline: BaselineSpec; policy: RegressionPolicy; outDir: string; runIndex?: string }): Promise<VerdictSummary> {
      return classified(() =>
        withIndex(args.runIndex, async (index) => {
          const candidate = await index.resolve(args.candidate);
          const baseline =
            args.baseline.kind === 'pinned'
              ? await index.resolve(args.baseline.run)
              : await lastGoodRun(index, { suite: candidate.suite ?? '', model: candidate.model ?? '', before: candidate.created_at, excludeId: candidate.id });
          const decidedAt = new Date().toISOString();
          if (!baseline) {
            // The first run of a suite has nothing to be compared with; it becomes the baseline of the next.
            const json = join(args.outDir, 'verdict.json');
            const markdown = join(args.outDir, 'verdict.md');
            const note = `no earlier run of ${candidate.suite ?? '?'} on ${candidate.model ?? '?'} to compare with: this run is the baseline for the next one`;
            await writeJsonAtomic(json, { schema: 'evalflow.regression-verdict/v1', overall: 'inconclusive', candidate: candidate.id, baseline: null, notes: [note] });
            await writeTextAtomic(markdown, `# Regression verdict: inconclusive\n\n${note}\n`);
            await index.setVerdict(candidate.id, { overall: 'inconclusive', baseline_id: null, decided_at: decidedAt, report: json });
            return { verdict: 'inconclusive', baseline: null, verdictJson: json, verdictMarkdown: markdown, headline: note };
          }
          const [base, cand] = await Promise.all([loadRunData({ ...baseline.folders, label: `baseline ${baseline.id}` }), loadRunData({ ...candidate.folders, label: `candidate ${candidate.id}` })]);
          const verdict = compareRuns(base, cand, args.policy);
          const files = await writeVerdict(args.outDir, verdict);
          await index.setVerdict(candidate.id, { overall: verdict.overall, baseline_id: baseline.id, decided_at: decidedAt, report: files.json });
          return { verdict: verdict.overall, baseline: baseline.id, verdictJson: files.json, verdictMarkdown: files.markdown, headline: headlineOf(verdict) };
        }),
      );
    },

    async postVerdict(args: { urlEnv: string; verdictJson: string }): Promise<void> {
      return classified(async () => {
        if (!process.env[args.urlEnv]) return; // configured but not set on this worker: nothing to announce to
        const verdict = JSON.parse(await readFile(args.verdictJson, 'utf8')) as RegressionVerdict;
        if (!('sections' in verdict)) return;
        await postVerdictWebhook(verdict, { url_env: args.urlEnv, timeout_s: 10 }).catch((err: unknown) => {
          throw new EvalflowError('backend_api', `webhook: ${(err as Error).message}`);
        });
      });
    },
  };
}
