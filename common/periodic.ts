/** A side measurement taken every interval while a step runs (server metrics, GPU telemetry). */
export interface Periodic {
  /** No new run starts; resolves when the one in flight (if any) has finished. */
  stop(): Promise<void>;
}

/**
 * Runs `task` now and then every `intervalMs`, one run at a time: a tick that finds the previous run still
 * going is skipped, so a slow source is sampled less often instead of piling up requests. The timer is
 * unref'd: sampling never keeps a process alive. `task` must not throw (record failures instead).
 */
export function every(intervalMs: number, task: () => Promise<void>): Periodic {
  let stopped = false;
  let inFlight: Promise<void> | null = null;
  const tick = (): void => {
    if (stopped || inFlight !== null) return;
    inFlight = task().finally(() => {
      inFlight = null;
    });
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await inFlight;
    },
  };
}
