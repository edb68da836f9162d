import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compareRuns } from '../../../regression/verdict.ts';
import { WebhookConfig, isWebhookError, postVerdict, redactUrl } from '../../../regression/webhook.ts';
import { isEvalflowError } from '../../../common/errors.ts';
import { runData } from './fixture.ts';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
});

interface Received {
  method: string;
  url: string;
  contentType: string | undefined;
  body: string;
}

/** A local receiver answering with `status`; resolves its base URL and what it received. */
async function receiver(status: number, delayMs = 0): Promise<{ base: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'], body });
      setTimeout(() => res.writeHead(status).end('{"echo":"secret-token"}'), delayMs);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

const v = compareRuns(runData('a'), runData('b'));

describe('postVerdict', () => {
  it('POSTs the verdict JSON to the URL named by an environment variable', async () => {
    const { base, received } = await receiver(204);
    const out = await postVerdict(v, WebhookConfig.parse({ url_env: 'HOOK' }), { env: { HOOK: `${base}/hooks/T0/secret-token` } });
    expect(out).toEqual({ status: 204 });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'POST', url: '/hooks/T0/secret-token', contentType: 'application/json' });
    expect(JSON.parse(received[0]!.body)).toMatchObject({ overall: 'inconclusive' });
  });

  it('a non-2xx answer is a WebhookError with the status, and the message shows no token', async () => {
    const { base } = await receiver(500);
    const err: unknown = await postVerdict(v, WebhookConfig.parse({ url: `${base}/hooks/secret-token?key=secret-token` })).catch((e: unknown) => e);
    expect(isWebhookError(err) && err.status).toBe(500);
    expect(String((err as Error).message)).toBe(`webhook ${redactUrl(base)} answered HTTP 500`);
    expect(String((err as Error).message)).not.toContain('secret');
  });

  it('times out', async () => {
    const { base } = await receiver(200, 2000);
    const err: unknown = await postVerdict(v, WebhookConfig.parse({ url: `${base}/slow`, timeout_s: 0.2 })).catch((e: unknown) => e);
    expect(isWebhookError(err) && err.status).toBeNull();
  });

  it('an unset variable is a config error; only_when skips other verdicts', async () => {
    const err: unknown = await postVerdict(v, WebhookConfig.parse({ url_env: 'NOPE' }), { env: {} }).catch((e: unknown) => e);
    expect(isEvalflowError(err) && err.code).toBe('config_invalid');
    expect(await postVerdict(v, WebhookConfig.parse({ url: 'http://127.0.0.1:9/', only_when: ['regressed'] }))).toBeNull();
  });

  it('the config takes exactly one of url and url_env', () => {
    expect(WebhookConfig.safeParse({}).success).toBe(false);
    expect(WebhookConfig.safeParse({ url: 'http://x/', url_env: 'X' }).success).toBe(false);
    expect(WebhookConfig.safeParse({ url_env: 'lower-case-dash' }).success).toBe(false);
  });
});
