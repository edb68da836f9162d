import { describe, expect, it } from 'vitest';
import { demuxDockerLog, lastLines } from '../../../backends/docker/logs.ts';
import { sizeToBytes } from '../../../backends/docker/container-spec.ts';
import { gpusFromNodeLabels, selectGpus } from '../../../backends/hardware.ts';
import { queryLocalGpus } from '../../../backends/gpu-telemetry/nvidia-smi.ts';

function frame(stream: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('docker log demux', () => {
  it('joins stdout and stderr frames in order', () => {
    const buf = Buffer.concat([frame(1, 'out 1\n'), frame(2, 'err 1\n'), frame(1, 'out 2\n')]);
    expect(demuxDockerLog(buf)).toBe('out 1\nerr 1\nout 2\n');
  });
  it('passes a TTY (non-multiplexed) log through', () => {
    expect(demuxDockerLog(Buffer.from('plain text\n'))).toBe('plain text\n');
  });
  it('tails non-empty lines', () => {
    expect(lastLines('a\nb\n\nc\n', 2)).toEqual(['b', 'c']);
  });
});

describe('sizes', () => {
  it.each([
    ['16g', 16 * 1024 ** 3],
    ['16Gi', 16 * 1024 ** 3],
    ['512m', 512 * 1024 ** 2],
    ['1024', 1024],
    ['1.5g', 1.5 * 1024 ** 3],
  ])('%s → %d bytes', (size, bytes) => {
    expect(sizeToBytes(size)).toBe(bytes);
  });
});

describe('hardware', () => {
  it('reads GPUs from node labels', () => {
    expect(gpusFromNodeLabels({ 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3', 'nvidia.com/gpu.memory': '81559' }, 2)).toEqual([
      { name: 'NVIDIA-H100-80GB-HBM3', memory_mb: 81559 },
      { name: 'NVIDIA-H100-80GB-HBM3', memory_mb: 81559 },
    ]);
    expect(gpusFromNodeLabels({}, 1)).toEqual([{ name: 'unknown', memory_mb: null }]);
  });
  it("reads this machine's GPUs with nvidia-smi (none where it is missing) and selects GPUs", async () => {
    expect(await queryLocalGpus('/nonexistent/nvidia-smi')).toEqual([]);
    const gpus = [0, 1].map((i) => ({ index: String(i), name: 'NVIDIA H100 80GB HBM3', memory_mb: 81559 }));
    expect(selectGpus(gpus, 1).map((g) => g.index)).toEqual(['0']);
    expect(selectGpus(gpus, ['1']).map((g) => g.index)).toEqual(['1']);
    expect(selectGpus(gpus, 'all')).toHaveLength(2);
  });
});
