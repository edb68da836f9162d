import { describe, expect, it } from 'vitest';
import { SimulatorFaults } from '../../../configs/schema/simulator.ts';
import { SIMULATOR_PATHS as P } from '../../../simulator/constants.ts';
import { FaultInjector } from '../../../simulator/faults.ts';
import { post, readSse, startTestSim } from './helpers.ts';

const faults = (patch: Partial<SimulatorFaults>): SimulatorFaults => SimulatorFaults.parse(patch);
const stream = { prompt: 'a b c', max_tokens: 6, ignore_eos: true, stream: true };

describe('FaultInjector', () => {
  it('rates are honoured and reproducible per request number', () => {
    const a = new FaultInjector(faults({ error_rate: 0.2 }), 3);
    const b = new FaultInjector(faults({ error_rate: 0.2 }), 3);
    const decisions = Array.from({ length: 5000 }, (_, i) => a.decide(i + 1, true));
    expect(Array.from({ length: 5000 }, (_, i) => b.decide(i + 1, true))).toEqual(decisions);
    const share = decisions.filter((d) => d === 'error').length / decisions.length;
    expect(share).toBeGreaterThan(0.17);
    expect(share).toBeLessThan(0.23);
  });

  it('stream faults spare non-streaming requests', () => {
    const injector = new FaultInjector(faults({ garbage_rate: 1, stream_error_rate: 1 }), 0);
    expect(injector.decide(1, false)).toBeNull();
    expect(injector.decide(1, true)).toBe('stream_error');
  });

  it('thresholds set at run time count from then on', () => {
    const injector = new FaultInjector(faults({}), 0);
    injector.arrive();
    injector.arrive();
    injector.update({ hang_after_requests: 2 });
    expect(injector.arrive().hang).toBe(false);
    expect(injector.arrive().hang).toBe(true);
    expect(injector.arrive().hang).toBe(true);
    expect(injector.current().hang_after_requests).toBe(2);
  });
});

describe('faults over HTTP', () => {
  it('error_rate answers HTTP 500 with a JSON error', async () => {
    const sim = await startTestSim({ faults: faults({ error_rate: 1 }) });
    const res = await post(sim, P.completions, stream);
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: { type: 'InternalServerError', code: 500 } });
    expect(sim.requests()[0]).toMatchObject({ status: 500, fault: 'error' });
  });

  it('garbage_rate sends a malformed event mid-stream', async () => {
    const sim = await startTestSim({ faults: faults({ garbage_rate: 1 }) });
    const events = await readSse(await post(sim, P.completions, stream));
    const bad = events.findIndex((e) => e.data === '{not json');
    expect(bad).toBeGreaterThan(0);
    expect(bad).toBeLessThan(events.length - 1);
    expect(events.at(-1)?.data).toBe('[DONE]');
    expect(sim.requests()[0]?.fault).toBe('garbage');
  });

  it('stream_error_rate ends the stream with an error event', async () => {
    const sim = await startTestSim({ faults: faults({ stream_error_rate: 1 }) });
    const events = await readSse(await post(sim, P.completions, stream));
    const errorEvent = events.at(-2);
    expect(JSON.parse(errorEvent?.data ?? '{}')).toMatchObject({ error: { type: 'InternalServerError', code: 500 } });
    expect(events.at(-1)?.data).toBe('[DONE]');
    const tokens = events.filter((e) => e.data.includes('"text"'));
    expect(tokens.length).toBeGreaterThan(0);
    expect(tokens.length).toBeLessThan(6);
    expect(sim.requests()[0]).toMatchObject({ fault: 'stream_error', completionTokens: tokens.length });
    expect(sim.stats().running).toBe(0);
  });

  it('faults can be set at run time through the handle and /admin/faults', async () => {
    const sim = await startTestSim();
    expect((await post(sim, P.completions, stream)).status).toBe(200);
    sim.setFaults({ error_rate: 1 });
    expect((await post(sim, P.completions, stream)).status).toBe(500);
    await post(sim, P.adminFaults, { error_rate: 0 });
    expect((await post(sim, P.completions, stream)).status).toBe(200);
  });

  it('crash_after_requests drops every connection and stops the server on the Nth request', async () => {
    const sim = await startTestSim({ faults: faults({ crash_after_requests: 3 }) });
    // Only completions and chat requests count.
    await fetch(`${sim.url}${P.health}`);
    const inFlight = post(sim, P.completions, { ...stream, max_tokens: 10_000 }).then(readSse);
    const second = await post(sim, P.completions, { prompt: 'a', max_tokens: 1 });
    expect(second.status).toBe(200);
    await second.text();
    await expect(post(sim, P.completions, stream)).rejects.toThrow();
    await expect(inFlight).rejects.toThrow();
    await expect(fetch(`${sim.url}${P.health}`)).rejects.toThrow();
    expect(sim.requests()[2]?.fault).toBe('crash');
  });

  it('hang_after_requests accepts and never answers from the Nth request on', async () => {
    const sim = await startTestSim({ faults: faults({ hang_after_requests: 2 }) });
    expect((await post(sim, P.completions, { prompt: 'a', max_tokens: 1 })).status).toBe(200);
    const hung = post(sim, P.completions, { prompt: 'a', max_tokens: 1 }).then(
      () => 'answered',
      () => 'failed',
    );
    const outcome = await Promise.race([hung, new Promise((resolve) => setTimeout(() => resolve('pending'), 300))]);
    expect(outcome).toBe('pending');
    expect(sim.requests()[1]).toMatchObject({ fault: 'hang', status: null, promptTokens: 1 });
    // The server itself still answers everything else.
    expect((await fetch(`${sim.url}${P.health}`)).status).toBe(200);
    await sim.close();
    expect(await hung).toBe('failed');
  });
});

describe('startup', () => {
  it('/health and the API answer 503 during startup_delay_s, then 200', async () => {
    const sim = await startTestSim({ startup_delay_s: 1 });
    expect((await fetch(`${sim.url}${P.health}`)).status).toBe(503);
    expect((await post(sim, P.completions, { prompt: 'a', max_tokens: 1 })).status).toBe(503);
    expect((await fetch(`${sim.url}${P.version}`)).status).toBe(200);
    await expect.poll(async () => (await fetch(`${sim.url}${P.health}`)).status, { timeout: 5000, interval: 50 }).toBe(200);
    expect((await post(sim, P.completions, { prompt: 'a', max_tokens: 1 })).status).toBe(200);
  });
});

describe('deadline', () => {
  it('deadline_s closes the server', async () => {
    const sim = await startTestSim({ deadline_s: 0.2 });
    expect((await fetch(`${sim.url}${P.health}`)).status).toBe(200);
    await expect.poll(() => fetch(`${sim.url}${P.health}`).then(() => 'up', () => 'down'), { timeout: 5000, interval: 50 }).toBe('down');
  });
});
