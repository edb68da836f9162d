import type { ServingConfig } from '../configs/schema/serving.ts';
import type { BackendConfig, BackendKind } from '../configs/schema/suite.ts';
import type { GpuTelemetrySource } from './gpu-telemetry/sampler.ts';

/** What the caller passes to allocate a server: everything needed to name, label and size it. */
export interface AllocationSpec {
  /** Temporal ids, used for deterministic names and labels (the reaper finds leftovers by them). */
  workflowId: string;
  runId: string;
  /** Short model name from models.yaml. */
  modelName: string;
  serving: ServingConfig;
  backend: BackendConfig;
  /** Folder where the backend saves server logs (the step's results folder). */
  logDir: string;
  /** Folder for the backend's own bookkeeping (pid files, ports), shared by every worker that may retry. */
  stateDir: string;
}

/** A question the simulator should recognise, with the gold answer it answers correctly (sim backend only). */
export interface KnownAnswer {
  question: string;
  answer: string;
  benchmark: string;
}

/** A server slot that exists (a pod, a container, a process, or nothing for external). Small, JSON, kept in workflow history. */
export interface Allocation {
  kind: BackendKind;
  /** Deterministic from the spec: allocating twice yields the same id and adopts what exists. */
  id: string;
  /** Where it runs, for run_meta.json: node, pod, container, pid... */
  placement: Record<string, string | number | null>;
  gpus: GpuInfo[];
  /** Monotonic-free wall clock (epoch ms) when allocation finished, for model load time. */
  allocatedAtMs: number;
}

export interface GpuInfo {
  name: string;
  memory_mb: number | null;
}

export interface StartOptions {
  afterServerLoss?: boolean;
}

/** An OpenAI-compatible server ready to be health-checked. */
export interface ServerEndpoint {
  baseUrl: string;
  /** The model name the API serves. */
  model: string;
  /** Environment variable that holds the API key, if any (never the key). */
  apiKeyEnv?: string;
}

/** Hooks an activity gives a backend so long waits report progress and stop on cancel. */
export interface BackendContext {
  heartbeat(details: Record<string, unknown>): void;
  signal: AbortSignal;
  log(message: string): void;
}

/**
 * One place a vLLM server can run. Every method is idempotent: a retry after a crash
 * adopts what exists, and teardown of something already gone succeeds.
 */
export interface Backend {
  readonly kind: BackendKind;
  allocate(spec: AllocationSpec, ctx: BackendContext): Promise<Allocation>;
  /**
   * `afterServerLoss`: the server was healthy and then went away under a step. A backend then replaces a server
   * that crashed once (a crash at startup stays crash_loop; an OOM stays oom_killed: both would happen again).
   */
  start(spec: AllocationSpec, allocation: Allocation, ctx: BackendContext, opts?: StartOptions): Promise<ServerEndpoint>;
  /** Save the server's logs under spec.logDir; best effort. */
  saveLogs(spec: AllocationSpec, allocation: Allocation, ctx: BackendContext): Promise<string | null>;
  /** Idempotent; works from the spec alone (allocation may be null when allocate itself failed half-way). */
  teardown(spec: AllocationSpec, allocation: Allocation | null, ctx: BackendContext): Promise<void>;
  /**
   * How to sample the placed server's GPU power and memory during a step (peak memory and energy for
   * run_meta.json), or why that is not possible here. Cheap and side-effect free: called at each step start.
   */
  gpuTelemetry(spec: AllocationSpec, allocation: Allocation, ctx: BackendContext): Promise<GpuTelemetrySource>;
  /** Simulators only: learn the benchmark's questions so answers can be scored. */
  prepareBenchmark?(endpoint: ServerEndpoint, answers: KnownAnswer[], ctx: BackendContext): Promise<void>;
}
