import type { z } from 'zod';
import { SimulatorOptions } from '../../configs/schema/simulator.ts';
import { startSimulator } from '../../simulator/server.ts';

/** A running stand-in for vLLM: the simulator, as the fakes start it for each "running" pod or container. */
export interface ModelServer {
  port: number;
  close(): Promise<void>;
}

export type ModelServerOverrides = z.input<typeof SimulatorOptions>;

export interface ModelServerRequest {
  /** The name the OpenAI API serves (vLLM's --served-model-name). */
  model: string;
  overrides: ModelServerOverrides;
  host?: string;
  /** 0 or absent picks a free port. */
  port?: number;
}

export type ModelServerFactory = (request: ModelServerRequest) => Promise<ModelServer>;

/** Fast start by default: tests wait for /health, not for a model load. */
export const startSimulatedModel: ModelServerFactory = async ({ model, overrides, host = '127.0.0.1', port = 0 }) => {
  const options = SimulatorOptions.parse({ startup_delay_s: 0.05, ...overrides });
  const sim = await startSimulator({ options, model, host, port, onCrash: 'close' });
  return { port: sim.port, close: () => sim.close() };
};

export interface ServeArgs {
  model: string;
  servedModelName: string;
  port: number;
  host: string;
}

/** Reads the few `vllm serve` flags the fakes need from an argument list (model may be positional). */
export function parseServeArgs(args: readonly string[]): ServeArgs {
  const flag = (name: string): string | undefined => {
    const i = args.indexOf(name);
    if (i >= 0) return args[i + 1];
    return args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
  };
  const positional = args[0] !== undefined && !args[0].startsWith('-') ? args[0] : undefined;
  const model = flag('--model') ?? positional ?? 'unknown-model';
  return { model, servedModelName: flag('--served-model-name') ?? model, port: Number(flag('--port') ?? '8000'), host: flag('--host') ?? '0.0.0.0' };
}
