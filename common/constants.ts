import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Every name that appears in more than one place lives here. */
export const TASK_QUEUE = 'evalflow';
export const DEFAULT_NAMESPACE = 'default';
export const WORKFLOW_ID_PREFIX = 'evalflow';

export const SA_SUITE = defineSearchAttributeKey('EvalflowSuite', SearchAttributeType.KEYWORD);
export const SA_MODEL = defineSearchAttributeKey('EvalflowModel', SearchAttributeType.KEYWORD);
export const SA_BACKEND = defineSearchAttributeKey('EvalflowBackend', SearchAttributeType.KEYWORD);
export const SA_PRESET = defineSearchAttributeKey('EvalflowPreset', SearchAttributeType.KEYWORD);
export const SA_STEP = defineSearchAttributeKey('EvalflowStep', SearchAttributeType.KEYWORD);
export const SA_CONFIG_HASH = defineSearchAttributeKey('EvalflowConfigHash', SearchAttributeType.KEYWORD);
/** A nightly regression's verdict: pass, regressed, improved or inconclusive. */
export const SA_VERDICT = defineSearchAttributeKey('EvalflowVerdict', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [SA_SUITE, SA_MODEL, SA_BACKEND, SA_PRESET, SA_STEP, SA_CONFIG_HASH, SA_VERDICT] as const;

export const PROGRESS_QUERY = 'progress';

/** Deterministic: the same suite, model and config always map to the same workflow id (resubmission adopts or resumes). */
export function suiteWorkflowId(suiteName: string, modelName: string, configHash: string): string {
  return `${WORKFLOW_ID_PREFIX}/${suiteName}/${modelName}/${configHash}`;
}

/** A scaling sweep: the same sweep config always maps to the same id (resubmission adopts or resumes it). */
export function sweepWorkflowId(sweepName: string, configHash: string): string {
  return `${WORKFLOW_ID_PREFIX}/sweep/${sweepName}/${configHash}`;
}

/** One model of a sweep, a phase1Suite child: the same model config always maps to the same id, across sweeps too. */
export function sweepChildWorkflowId(sweepName: string, modelName: string, configHash: string): string {
  return `${WORKFLOW_ID_PREFIX}/sweep/${sweepName}/${modelName}/${configHash}`;
}

/** The reaper: the Temporal Schedule that runs it (`evalflow gc --schedule`) and the id of its runs (Temporal appends the time). */
export const REAPER_SCHEDULE_ID = 'evalflow-reaper';
export const REAPER_WORKFLOW_ID = `${WORKFLOW_ID_PREFIX}/reaper`;

/** Files a sweep writes in <results_dir>/<sweep name>/. */
export const SCALING_COMPARISON_CSV = 'scaling_comparison.csv';
export const SCALING_COMPARISON_JSON = 'scaling_comparison.json';

export const DEV_SERVER_UI_PORT = 8233;
export const DEV_SERVER_PORT = 7233;
