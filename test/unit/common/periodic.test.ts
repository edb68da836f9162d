import { describe, expect, it } from 'vitest';
import { every } from '../../../common/periodic.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('every', () => {
  it('runs at once and then each interval, never two at a time, and stop waits for the run in flight', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    let finished = 0;
    const periodic = every(10, async () => {
      runs += 1;
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      // Slower than the interval: the ticks in between are skipped, not queued.
      await sleep(35);
      running -= 1;
      finished += 1;
    });
    expect(runs).toBe(1);
    await sleep(120);
    await periodic.stop();
    expect(maxRunning).toBe(1);
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(runs).toBeLessThanOrEqual(4);
    expect(finished).toBe(runs);
    await sleep(40);
    expect(runs).toBe(finished);
  });
});
