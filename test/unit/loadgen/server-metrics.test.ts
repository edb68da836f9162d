import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from '../../../common/prometheus.ts';
import { extractGauges, startScraper } from '../../../loadgen/server-metrics.ts';
import { startFakeServer } from './fake-server.ts';

const VLLM_TEXT = `# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="qwen"} 7.0
vllm:num_requests_running{engine="1",model_name="qwen"} 5.0
vllm:num_requests_waiting{engine="0",model_name="qwen"} 2.0
vllm:kv_cache_usage_perc{engine="0",model_name="qwen"} 0.5
vllm:kv_cache_usage_perc{engine="1",model_name="qwen"} 0.75
vllm:e2e_request_latency_seconds_bucket{le="+Inf",model_name="qwen"} 12 1700000000000
this line is garbage
vllm:bad_value{a="b"} not-a-number
`;

describe('parsePrometheusText', () => {
  it('reads samples with labels, timestamps and special values, and skips junk', () => {
    const all = parsePrometheusText(VLLM_TEXT);
    expect(all).toHaveLength(6);
    expect(all[0]).toEqual({ name: 'vllm:num_requests_running', labels: { engine: '0', model_name: 'qwen' }, value: 7 });
    expect(all[5]).toMatchObject({ labels: { le: '+Inf' }, value: 12 });
    expect(parsePrometheusText('x{a="q\\"uote,\\\\"} +Inf\ny NaN')).toEqual([
      { name: 'x', labels: { a: 'q"uote,\\' }, value: Infinity },
      { name: 'y', labels: {}, value: NaN },
    ]);
  });
});

describe('extractGauges', () => {
  it('sums running/waiting over engines and takes the fullest KV cache', () => {
    expect(extractGauges(VLLM_TEXT, 1)).toEqual({ t_ms: 1, running: 12, waiting: 2, kv_cache_usage: 0.75 });
  });

  it('falls back to the legacy gpu_cache_usage_perc, and gives null for what is missing', () => {
    expect(extractGauges('vllm:gpu_cache_usage_perc{model_name="m"} 0.1\n', 2)).toEqual({ t_ms: 2, running: null, waiting: null, kv_cache_usage: 0.1 });
  });
});

describe('startScraper', () => {
  it('samples every interval and records failures without throwing', async () => {
    let n = 0;
    const server = await startFakeServer((_req, res) => {
      n += 1;
      if (n === 2) {
        res.writeHead(503);
        res.end();
        return;
      }
      res.end(VLLM_TEXT);
    });
    try {
      const scraper = startScraper({ baseUrl: `${server.url}/v1`, intervalS: 0.03 });
      await new Promise((r) => setTimeout(r, 150));
      const log = await scraper.stop();
      expect(log.url).toBe(`${server.url}/metrics`);
      expect(log.samples.length).toBeGreaterThanOrEqual(2);
      expect(log.failures[0]).toMatchObject({ error: 'HTTP 503' });
      expect(log.summary).toMatchObject({ running_max: 12, kv_cache_usage_max: 0.75, failures: 1 });
    } finally {
      await server.close();
    }
  });

  it('a server that is not there is a list of failures', async () => {
    const scraper = startScraper({ baseUrl: 'http://127.0.0.1:1', intervalS: 0.02 });
    await new Promise((r) => setTimeout(r, 60));
    const log = await scraper.stop();
    expect(log.samples).toEqual([]);
    expect(log.failures.length).toBeGreaterThanOrEqual(1);
  });
});
