import { Client, Connection, WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { loadSuite } from '../configs/resolve.ts';
import type { LoadSuiteOptions, ResolvedSuite } from '../configs/resolve.ts';
import { SA_BACKEND, SA_CONFIG_HASH, SA_MODEL, SA_PRESET, SA_STEP, SA_SUITE, SEARCH_ATTRIBUTES, suiteWorkflowId, TASK_QUEUE } from '../common/constants.ts';
import type { TemporalSettings } from '../common/temporal-env.ts';
import { connectionOptions, temporalSettingsFromEnv } from '../common/temporal-env.ts';
import { EvalflowError } from '../common/errors.ts';
import type { phase1Suite } from '../workflows/phase1-suite.ts';

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
  let client = opts.client;
  if (!client) {
    const settings = temporalSettingsFromEnv();
    if (!settings) throw new EvalflowError('config_invalid', 'TEMPORAL_ADDRESS is not set (use `evalflow run` for the embedded server, or ./temporal-dev.sh)');
    client = await connectClient(settings);
  }
  const workflowId = suiteWorkflowId(suite.name, suite.model.name, suite.configHash);
  const existing = client.workflow.getHandle<typeof phase1Suite>(workflowId);
  const prior = await existing.describe().catch(() => null);
  if (prior?.status.name === 'RUNNING') return { workflowId, runId: prior.runId, state: 'running', handle: existing, suite };
  if (prior?.status.name === 'COMPLETED') return { workflowId, runId: prior.runId, state: 'finished', handle: existing, suite };
  try {
    // A failed, cancelled or terminated run is resumed by a new run under the same id (its finished steps are skipped).
    const handle = await client.workflow.start<typeof phase1Suite>('phase1Suite', {
      workflowId,
      taskQueue: opts.taskQueue ?? process.env.EVALFLOW_TASK_QUEUE ?? TASK_QUEUE,
      args: [{ suite }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      // Two submissions racing: the second joins the first.
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
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
    return { workflowId, runId: handle.firstExecutionRunId, state: 'started', handle, suite };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      const description = await existing.describe();
      return { workflowId, runId: description.runId, state: 'finished', handle: existing, suite };
    }
    throw err;
  }
}
