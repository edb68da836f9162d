import { createServer, type AddressInfo } from 'node:net';

/** A port free on 127.0.0.1 right now. vLLM binds it moments later; a lost race shows up as a crash with "address already in use" in the log. */
export async function freeLocalPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
