import { executeChild, proxyActivities, setCurrentDetails, upsertSearchAttributes, workflowInfo, ParentClosePolicy } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.ts';
import type { ResolvedSuite } from '../configs/resolve.ts';
import type { BaselineSpec } from '../configs/schema/schedule.ts';
import type { RegressionPolicy } from '../regression/policy.ts';
import { SA_VERDICT } from '../common/constants.ts';
import { phase1Suite } from './phase1-suite.ts';

type Activities = ReturnType<typeof createActivities>;

const quick: ActivityOptions = { startToCloseTimeout: '5 minutes', retry: { maximumAttempts: 5, nonRetryableErrorTypes: ['config_invalid', 'input_invalid'] } };
const acts = proxyActivities<Activities>(quick);

export interface NightlyInput {
  suite: ResolvedSuite;
  baseline: BaselineSpec;
  policy: RegressionPolicy;
  /** Environment variable on the worker that holds the webhook URL (never the URL in history). */
  webhookUrlEnv?: string;
  runIndex?: string;
}

export interface NightlyResult {
  workflowId: string;
  verdict: 'pass' | 'regressed' | 'improved' | 'inconclusive';
  baseline: string | null;
  verdictJson: string;
  verdictMarkdown: string;
  headline: string;
}

/**
 * One scheduled regression run: the suite measured afresh (its run tag is this workflow's id, so nothing of
 * another night is reused), registered in the run index, judged against the baseline, and announced.
 */
export async function nightlyRegression(input: NightlyInput): Promise<NightlyResult> {
  const info = workflowInfo();
  const suite = await acts.tagSuite({ suite: input.suite, runTag: info.workflowId });
  setCurrentDetails(`running **${suite.name}** on ${suite.model.name}`);
  const run = await executeChild(phase1Suite, {
    workflowId: `${info.workflowId}/suite`,
    args: [{ suite }],
    parentClosePolicy: ParentClosePolicy.TERMINATE,
    staticSummary: `nightly ${suite.name} · ${suite.model.name}`,
  });
  const registered = await acts.registerRun({ suite, result: run, ...(input.runIndex ? { runIndex: input.runIndex } : {}) });
  setCurrentDetails(`comparing run ${registered.runId} with the baseline (${input.baseline.kind})`);
  const verdict = await acts.compareWithBaseline({
    candidate: registered.runId,
    baseline: input.baseline,
    policy: input.policy,
    outDir: registered.verdictDir,
    ...(input.runIndex ? { runIndex: input.runIndex } : {}),
  });
  upsertSearchAttributes([{ key: SA_VERDICT, value: verdict.verdict }]);
  if (input.webhookUrlEnv) await acts.postVerdict({ urlEnv: input.webhookUrlEnv, verdictJson: verdict.verdictJson });
  setCurrentDetails(`**${verdict.verdict}** against ${verdict.baseline ?? 'no baseline'}\n\n${verdict.headline}`);
  return { workflowId: info.workflowId, ...verdict };
}
