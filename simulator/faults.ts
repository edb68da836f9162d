/**
 * Fault injection, decided per request from (seed, request number) so a rerun fails the
 * same requests. Only completions and chat requests count.
 */
import { SimulatorFaults } from '../configs/schema/simulator.ts';
import { hash2, hashNumbers, unitFromHash } from './hash.ts';

export type FaultKind = 'error' | 'garbage' | 'stream_error' | 'crash' | 'hang';

/** Faults decided per request once its body is known. */
export type RequestFault = Extract<FaultKind, 'error' | 'garbage' | 'stream_error'>;

export interface Arrival {
  /** 1-based count of completions and chat requests. */
  index: number;
  crash: boolean;
  hang: boolean;
}

const SALT = { error: 11, garbage: 12, stream_error: 13 } as const satisfies Record<RequestFault, number>;

export class FaultInjector {
  private faults: SimulatorFaults;
  private readonly seed: number;
  private arrivals = 0;
  /** Thresholds count from when they were set, so a fault set at run time means "N more requests". */
  private crashBase = 0;
  private hangBase = 0;

  constructor(faults: SimulatorFaults, seed: number) {
    this.faults = { ...faults };
    this.seed = seed;
  }

  current(): SimulatorFaults {
    return { ...this.faults };
  }

  update(patch: Partial<SimulatorFaults>): void {
    // An explicit undefined means "unchanged", not "back to the default".
    const defined = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
    const merged = SimulatorFaults.parse({ ...this.faults, ...defined });
    if ('crash_after_requests' in defined) this.crashBase = this.arrivals;
    if ('hang_after_requests' in defined) this.hangBase = this.arrivals;
    this.faults = merged;
  }

  arrive(): Arrival {
    const index = ++this.arrivals;
    const { crash_after_requests: crashAt, hang_after_requests: hangAt } = this.faults;
    return {
      index,
      crash: crashAt !== null && index - this.crashBase >= crashAt,
      hang: hangAt !== null && index - this.hangBase >= hangAt,
    };
  }

  /** error applies to any request; garbage and stream_error only to streams. */
  decide(index: number, stream: boolean): RequestFault | null {
    const base = hashNumbers(this.seed, index);
    const hit = (kind: RequestFault, rate: number): boolean => rate > 0 && unitFromHash(hash2(base, SALT[kind])) < rate;
    if (hit('error', this.faults.error_rate)) return 'error';
    if (!stream) return null;
    if (hit('stream_error', this.faults.stream_error_rate)) return 'stream_error';
    if (hit('garbage', this.faults.garbage_rate)) return 'garbage';
    return null;
  }
}
