import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody, SimulatorHttpError, type ErrorStatus } from './errors.ts';

/** Bodies larger than this are refused; a 32k-token prompt is well under 1 MiB. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new SimulatorHttpError(413, `request body exceeds ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SimulatorHttpError(400, 'request body is not valid JSON');
  }
}

/**
 * Writes one streamed chunk and hands it to the kernel at once. Node corks the socket on a write
 * and uncorks it on the next tick, so every chunk one engine tick writes would leave only when the
 * whole tick is done: the first token would wait for the last, a delay no recorded time shows.
 */
export function writeNow(res: ServerResponse, chunk: string): void {
  res.write(chunk);
  res.socket?.uncork();
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendText(res, status, JSON.stringify(body), 'application/json');
}

export function sendText(res: ServerResponse, status: number, body: string, contentType: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendError(res: ServerResponse, status: ErrorStatus, message: string, param: string | null = null): void {
  sendText(res, status, errorBody(status, message, param), 'application/json');
}
