import { Client, Connection, WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/client';
import type { WorkflowHandle, WorkflowStartOptions } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import { TypedSearchAttributes } from '@temporalio/common';
import { loadSuite } from '../configs/resolve.ts';
import type { LoadSuiteOptions, ResolvedSuite } from '../configs/resolve.ts';
import { SA_BACKEND, SA_CONFIG_HASH, SA_MODEL, SA_PRESET, SA_STEP, SA_SUITE, SEARCH_ATTRIBUTES, suiteWorkflowId, sweepWorkflowId, TASK_QUEUE } from '../common/constants.ts';
import { loadSweep } from '../sweep/load.ts';
import type { LoadSweepOptions, ResolvedSweep } from '../sweep/load.ts';
import type { TemporalSettings } from '../common/temporal-env.ts';
import { connectionOptions, temporalSettingsFromEnv } from '../common/temporal-env.ts';
import { EvalflowError } from '../common/errors.ts';
import type { phase1Suite } from '../workflows/phase1-suite.ts';
import type { scalingSweep, SweepInput } from '../workflows/scaling-sweep.ts';

export interface SubmittedSuite {
  workflowId: string;
  /** The run that will produce (or produced) the result. */
  runId: string | undefined;
  /** 'started': a new run; 'running': the same suite was already running; 'finished': an earlier run already completed it. */
  state: 'started' | 'running' | 'finished';
  handle: WorkflowHandle<typeof phase1Suite>;
  suite: ResolvedSuite;
}

export interface SubmitOptions extends LoadSuiteOptions {
  client?: Client;
  taskQueue?: string;
}

export async function connectClient(settings: TemporalSettings): Promise<Client> {
  const connection = await Connection.connect(connectionOptions(settings));
  return new Client({ connection, namespace: settings.namespace });
}

/** Register evalflow's search attributes where the server allows it (a dev server does; Temporal Cloud needs tcld). */
export async function ensureSearchAttributes(client: Client): Promise<void> {
  const namespace = client.options.namespace;
  const existing = await client.connection.operatorService.listSearchAttributes({ namespace });
  const missing = SEARCH_ATTRIBUTES.filter((k) => !(k.name in (existing.customAttributes ?? {})));
  if (missing.length === 0) return;
  try {
    await client.connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((k) => [k.name, 2 /* INDEXED_VALUE_TYPE_KEYWORD */])),
    });
  } catch (err) {
    throw new EvalflowError('config_invalid', `search attributes ${missing.map((k) => k.name).join(', ')} are not registered on namespace ${namespace} and could not be added (${(err as Error).message}); register them as Keyword`);
  }
}

function summaryLine(suite: ResolvedSuite): string {
  return `${suite.name} · ${suite.model.name} · ${suite.backend.kind} · ${suite.preset}`;
}

function detailsMarkdown(suite: ResolvedSuite): string {
  return [
    `**Suite** ${suite.name} (${suite.preset})`,
    `**Model** ${suite.serving.model} (tp=${suite.serving.tensor_parallel_size}, ${suite.serving.dtype})`,
    `**Backend** ${suite.backend.kind}`,
    `**Steps** ${suite.steps.join(' → ')}`,
    `**Results** \`${suite.resultsRoot}\``,
    `**Config hash** \`${suite.configHash}\``,
  ].join('\n\n');
}

/**
 * Submit a Phase-1 suite: one call. The workflow id is derived from the suite, model and config hash, so
 * submitting the same suite again adopts the running or finished run, and resumes a failed one.
 */
export async function submitSuite(config: string | ResolvedSuite, opts: SubmitOptions = {}): Promise<SubmittedSuite> {
  const suite = typeof config === 'string' ? await loadSuite(config, opts) : config;
  const client = opts.client ?? (await clientFromEnv());
  const workflowId = suiteWorkflowId(suite.name, suite.model.name, suite.configHash);
  const submitted = await startOrAdopt<typeof phase1Suite>(client, 'phase1Suite', workflowId, {
    taskQueue: opts.taskQueue ?? process.env.EVALFLOW_TASK_QUEUE ?? TASK_QUEUE,
    args: [{ suite }],
    typedSearchAttributes: new TypedSearchAttributes([
      { key: SA_SUITE, value: suite.name },
      { key: SA_MODEL, value: suite.model.name },
      { key: SA_BACKEND, value: suite.backend.kind },
      { key: SA_PRESET, value: suite.preset },
      { key: SA_STEP, value: 'planning' },
      { key: SA_CONFIG_HASH, value: suite.configHash },
    ]),
    staticSummary: summaryLine(suite),
    staticDetails: detailsMarkdown(suite),
  });
  return { ...submitted, suite };
}

async function clientFromEnv(): Promise<Client> {
  const settings = temporalSettingsFromEnv();
  if (!settings) throw new EvalflowError('config_invalid', 'TEMPORAL_ADDRESS is not set (use `evalflow run` for the embedded server, or ./temporal-dev.sh)');
  return connectClient(settings);
}

/**
 * Start a workflow under a deterministic id, or adopt the run that has it: running ⇒ joined, completed ⇒ reused,
 * failed/cancelled/terminated ⇒ a new run under the same id, which skips the work already done.
 */
async function startOrAdopt<W extends Workflow>(
  client: Client,
  workflowType: string,
  workflowId: string,
  options: Omit<WorkflowStartOptions<W>, 'workflowId' | 'workflowIdReusePolicy' | 'workflowIdConflictPolicy'>,
): Promise<{ workflowId: string; runId: string | undefined; state: 'started' | 'running' | 'finished'; handle: WorkflowHandle<W> }> {
  const existing = client.workflow.getHandle<W>(workflowId);
  const prior = await existing.describe().catch(() => null);
  if (prior?.status.name === 'RUNNING') return { workflowId, runId: prior.runId, state: 'running', handle: existing };
  if (prior?.status.name === 'COMPLETED') return { workflowId, runId: prior.runId, state: 'finished', handle: existing };
  try {
    const handle = await client.workflow.start<W>(workflowType, {
      ...options,
      workflowId,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      // Two submissions racing: the second joins the first.
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      // TypeScript cannot put an Omit<> of a generic type back together; the three omitted keys are set right here.
    } as WorkflowStartOptions<W>);
    return { workflowId, runId: handle.firstExecutionRunId, state: 'started', handle };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      const description = await existing.describe();
      return { workflowId, runId: description.runId, state: 'finished', handle: existing };
    }
    throw err;
  }
}

export interface SubmittedSweep {
  workflowId: string;
  runId: string | undefined;
  /** As for a suite: 'started', 'running' (joined) or 'finished' (an earlier run completed this sweep). */
  state: 'started' | 'running' | 'finished';
  handle: WorkflowHandle<typeof scalingSweep>;
  sweep: ResolvedSweep;
}

export interface SubmitSweepOptions extends LoadSweepOptions {
  client?: Client;
  taskQueue?: string;
  /** Test knobs of the sweep workflow (continue-as-new threshold, adoption poll interval). */
  workflowOptions?: SweepInput['options'];
}

function sweepDetailsMarkdown(sweep: ResolvedSweep): string {
  const runs = sweep.plan.models.filter((m) => m.action === 'run');
  const skips = sweep.plan.models.filter((m) => m.action === 'skip');
  return [
    `**Sweep** ${sweep.name}${sweep.description ? `: ${sweep.description}` : ''} (${sweep.preset}, ${sweep.backend})`,
    `**Runs** ${runs.map((m) => `${m.model} (${m.gpus} GPU${m.gpus === 1 ? '' : 's'})`).join(', ') || 'none'}`,
    ...(skips.length > 0 ? [`**Skipped** ${skips.map((m) => `${m.model}: ${m.skipReason ?? ''}`).join('; ')}`] : []),
    `**At most** ${sweep.plan.maxGpus} GPUs at once`,
    `**Results** \`${sweep.resultsRoot}\``,
    `**Config hash** \`${sweep.configHash}\`${sweep.runTag ? ` (re-run ${sweep.runTag})` : ''}`,
  ].join('\n\n');
}

/**
 * Submit a scaling sweep: the TypeScript twin of submitSuite. The workflow id comes from the sweep's plan and its
 * models' config hashes; its children (one phase1Suite per model) have deterministic ids too, so a resubmitted
 * sweep adopts finished models, resumes failed ones and starts only the missing ones.
 */
export async function submitSweep(config: string | ResolvedSweep, opts: SubmitSweepOptions = {}): Promise<SubmittedSweep> {
  const sweep = typeof config === 'string' ? await loadSweep(config, opts) : config;
  const client = opts.client ?? (await clientFromEnv());
  const submitted = await startOrAdopt<typeof scalingSweep>(client, 'scalingSweep', sweepWorkflowId(sweep.name, sweep.configHash), {
    taskQueue: opts.taskQueue ?? process.env.EVALFLOW_TASK_QUEUE ?? TASK_QUEUE,
    args: [{ sweep, ...(opts.workflowOptions ? { options: opts.workflowOptions } : {}) }],
    typedSearchAttributes: new TypedSearchAttributes([
      { key: SA_SUITE, value: sweep.name },
      { key: SA_BACKEND, value: sweep.backend },
      { key: SA_PRESET, value: sweep.preset },
      { key: SA_STEP, value: 'planning' },
      { key: SA_CONFIG_HASH, value: sweep.configHash },
    ]),
    staticSummary: `${sweep.name} · scaling sweep · ${sweep.runs.length} models · ${sweep.backend} · ${sweep.preset}`,
    staticDetails: sweepDetailsMarkdown(sweep),
  });
  return { ...submitted, sweep };
}
