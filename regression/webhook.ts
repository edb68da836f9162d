import { request } from 'undici';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { EvalflowError } from '../common/errors.ts';
import type { RegressionVerdict } from './types.ts';

/** Where to POST a verdict. The URL usually carries a token (Slack, Teams), so a schedule names an env var, not the URL. */
export const WebhookConfig = z
  .strictObject({
    url: z.url({ protocol: /^https?$/ }).optional().describe('the URL itself; prefer url_env when it holds a secret'),
    url_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').optional().describe('environment variable holding the URL'),
    timeout_s: z.number().positive().default(10),
    only_when: z.array(z.enum(['regressed', 'improved', 'pass', 'inconclusive'])).optional().describe('post only for these overall verdicts; absent: always'),
  })
  .refine((c) => (c.url === undefined) !== (c.url_env === undefined), 'set exactly one of url and url_env');
export type WebhookConfig = z.infer<typeof WebhookConfig>;

/** A webhook answered with a non-2xx status, or could not be reached. `status` is null when no response came. */
export class WebhookError extends Error {
  override name = 'WebhookError';
  readonly status: number | null;
  constructor(message: string, status: number | null) {
    super(message);
    this.status = status;
  }
}

export function isWebhookError(err: unknown): err is WebhookError {
  return err instanceof WebhookError;
}

/** Only the origin of a URL appears in messages: the path and query are where tokens live. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '(invalid URL)';
  }
}

export function resolveWebhookUrl(config: WebhookConfig, env: NodeJS.ProcessEnv = process.env): string {
  if (config.url !== undefined) return config.url;
  const name = config.url_env!;
  const url = env[name];
  if (!url) throw new EvalflowError('config_invalid', `webhook: environment variable ${name} is not set`);
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new EvalflowError('config_invalid', `webhook: ${name} does not hold an http(s) URL`);
  return url;
}

export interface PostOptions {
  env?: NodeJS.ProcessEnv;
  /** For tests: an undici MockAgent or a Pool. */
  dispatcher?: Dispatcher;
}

/**
 * POST the verdict JSON. Resolves with the status (or null when only_when skipped it); a non-2xx
 * answer or a network failure throws WebhookError, whose message names only the URL's origin.
 */
export async function postVerdict(verdict: RegressionVerdict, config: WebhookConfig, opts: PostOptions = {}): Promise<{ status: number } | null> {
  if (config.only_when && !config.only_when.includes(verdict.overall)) return null;
  const url = resolveWebhookUrl(config, opts.env);
  const timeoutMs = config.timeout_s * 1000;
  let res: Dispatcher.ResponseData;
  try {
    res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(verdict),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
      ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
    });
  } catch (err) {
    // No `cause`: undici errors can carry the request options, URL included, into a log.
    const code = (err as NodeJS.ErrnoException).code;
    throw new WebhookError(`webhook ${redactUrl(url)}: ${err instanceof Error ? err.name : 'error'}${code ? ` (${code})` : ''}`, null);
  }
  // Drain the body so the connection is released; its text is not echoed (it may repeat the request).
  await res.body.dump();
  if (res.statusCode < 200 || res.statusCode >= 300) throw new WebhookError(`webhook ${redactUrl(url)} answered HTTP ${res.statusCode}`, res.statusCode);
  return { status: res.statusCode };
}
