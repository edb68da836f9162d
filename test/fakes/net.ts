import { createServer, connect, type Server, type Socket, type AddressInfo } from 'node:net';

/**
 * Loopback addresses for fake pod and cluster IPs. Linux routes all of 127.0.0.0/8 to lo, so every
 * fake pod gets its own IP and the backend can use podIP:containerPort exactly as in a real cluster.
 */
export class LoopbackPool {
  readonly #second: number;
  #next: number;

  constructor() {
    // A random second octet keeps parallel test files (separate processes) apart.
    this.#second = 10 + Math.floor(Math.random() * 240);
    this.#next = Math.floor(Math.random() * 50_000);
  }

  allocate(): string {
    this.#next += 1;
    const n = this.#next % 65_000;
    return `127.${this.#second}.${Math.floor(n / 250) + 1}.${(n % 250) + 2}`;
  }
}

export interface Forwarder {
  close(): Promise<void>;
}

/** Forwards every TCP connection on host:port to whatever `target()` names at connect time (null drops it). */
export async function startTcpForwarder(host: string, port: number, target: () => number | null): Promise<Forwarder> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    const targetPort = target();
    if (targetPort === null) {
      socket.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(socket).add(upstream);
    socket.on('close', () => sockets.delete(socket));
    upstream.on('close', () => sockets.delete(upstream));
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    async close() {
      // Keep-alive clients would hold server.close() open forever: cut them.
      for (const socket of sockets) socket.destroy();
      await closeServer(server);
    },
  };
}

export async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await closeServer(server);
  return port;
}
