import { describe, expect, it } from 'vitest';
import { BackendConfig } from '../../../configs/schema/suite.ts';

describe('backend config variants', () => {
  it('fills sensible defaults', () => {
    expect(BackendConfig.parse({ kind: 'kubernetes' })).toMatchObject({
      namespace: 'evalflow',
      gpu_resource: 'nvidia.com/gpu',
      shm_size: '16Gi',
      on_unschedulable: 'wait',
      expose: 'pod_ip',
      node_selector: {},
      tolerations: [],
      image_pull_secrets: [],
    });
    expect(BackendConfig.parse({ kind: 'docker' })).toMatchObject({ gpus: 'all', shm_size: '16g', pull: 'missing', publish_ip: '127.0.0.1' });
    expect(BackendConfig.parse({ kind: 'local' })).toMatchObject({ command: 'vllm', env_passthrough: [] });
  });

  it.each<[Record<string, unknown>, string]>([
    [{ kind: 'kubernetes', namspace: 'typo' }, 'unknown key'],
    [{ kind: 'kubernetes', namespace: 'Not_DNS' }, 'bad namespace'],
    [{ kind: 'kubernetes', shm_size: 'lots' }, 'bad quantity'],
    [{ kind: 'kubernetes', on_unschedulable: 'retry' }, 'bad policy'],
    [{ kind: 'kubernetes', hf_token_secret: { name: 's', value: 'hf_xxx' } }, 'a token value in config'],
    [{ kind: 'docker', socket_path: '/s', host: 'http://h:2375' }, 'two daemons'],
    [{ kind: 'docker', gpus: 0 }, 'zero GPUs'],
    [{ kind: 'docker', hf_token: 'hf_xxx' }, 'a token value in config'],
    [{ kind: 'local', command: [] }, 'empty command'],
  ])('rejects %j (%s)', (input, _why) => {
    expect(BackendConfig.safeParse(input).success).toBe(false);
  });
});
