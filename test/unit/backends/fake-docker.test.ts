import Docker from 'dockerode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeDockerEngine } from '../../fakes/docker/engine.ts';
import { dockerStatus } from '../../../backends/docker/client.ts';
import { demuxDockerLog } from '../../../backends/docker/logs.ts';
import { until } from './helpers.ts';

describe('fake Docker Engine API (through the real dockerode)', () => {
  let engine: FakeDockerEngine;
  let docker: Docker;

  beforeEach(async () => {
    engine = await FakeDockerEngine.start();
    engine.images.add('img:latest');
    docker = new Docker({ socketPath: engine.socketPath });
  });
  afterEach(async () => {
    expect(engine.openServers).toBe(0);
    await engine.close();
  });

  const create = (name: string, labels: Record<string, string> = {}) =>
    docker.createContainer({ name, Image: 'img', Cmd: ['--served-model-name', 'm', '--port', '8000'], Labels: labels, HostConfig: { PortBindings: { '8000/tcp': [{ HostIp: '127.0.0.1', HostPort: '0' }] } } });

  it('creates (409 on a taken name), starts with a published port, lists by label, waits, removes (404 after)', async () => {
    const c = await create('one', { team: 'a' });
    await create('two', { team: 'b' });
    const clash = await create('one').catch((e: unknown) => e);
    expect(dockerStatus(clash)).toBe(409);
    await c.start();
    const info = await c.inspect();
    const port = info.NetworkSettings.Ports['8000/tcp']?.[0]?.HostPort ?? '';
    // The simulator answers 503 while it "loads the model", then 200.
    await until(async () => (await fetch(`http://127.0.0.1:${port}/health`)).status === 200);
    const listed = await docker.listContainers({ all: true, filters: { label: ['team=a'] } });
    expect(listed.map((l) => l.Names[0])).toEqual(['/one']);
    expect((await docker.listContainers({ filters: { label: ['team'] } })).length).toBe(1);
    const logs = demuxDockerLog(await c.logs({ stdout: true, stderr: true, follow: false }));
    expect(logs).toContain('Application startup complete');
    const waiting = c.wait() as Promise<{ StatusCode: number }>;
    await c.stop();
    expect((await waiting).StatusCode).toBe(137);
    await c.remove();
    expect(dockerStatus(await c.remove().catch((e: unknown) => e))).toBe(404);
    await docker.getContainer('two').remove({ force: true });
    expect(engine.containerCount).toBe(0);
  });

  it('refuses to remove a running container without force, and injects errors', async () => {
    const c = await create('busy');
    await c.start();
    expect(dockerStatus(await c.remove().catch((e: unknown) => e))).toBe(409);
    engine.inject({ method: 'GET', path: /\/json$/, status: 500 });
    expect(dockerStatus(await c.inspect().catch((e: unknown) => e))).toBe(500);
    await c.remove({ force: true });
  });
});
