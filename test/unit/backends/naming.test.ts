import { describe, expect, it } from 'vitest';
import { canonicalJson, labelValue, serverLabels, serverName, specHash } from '../../../backends/kubernetes/naming.ts';
import { vllmEngineArgs } from '../../../backends/local/serve-args.ts';
import { ServingConfig } from '../../../configs/schema/serving.ts';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

describe('server names', () => {
  it.each([
    ['evalflow/phase1/qwen2.5-72b-instruct/abc123', 'qwen2.5-72b-instruct'],
    ['UPPER_case id with spaces & symbols!!', 'Model_Name'],
    ['x'.repeat(300), 'y'.repeat(100)],
    ['---', '...'],
    ['évalflow/ünïcode/工作流', 'm'],
  ])('%s + %s → a DNS-1123 label of at most 63 characters', (workflowId, model) => {
    const name = serverName(workflowId, model);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(DNS1123_LABEL);
    expect(name).toMatch(/^vllm-/);
    expect(serverName(workflowId, model)).toBe(name);
  });

  it('differs when the workflow id or the model differs, even past truncation', () => {
    const long = 'w'.repeat(200);
    expect(serverName(`${long}-a`, 'm')).not.toBe(serverName(`${long}-b`, 'm'));
    expect(serverName('wf', 'a')).not.toBe(serverName('wf', 'b'));
    // Slugs can collide ("a/b" and "a-b"); the hash of the raw ids keeps the names apart.
    expect(serverName('a/b', 'm')).not.toBe(serverName('a-b', 'm'));
  });
});

describe('label values', () => {
  it.each(['simple', 'evalflow/phase1/qwen/abc', 'x'.repeat(64), '-leading-dash', 'trailing.', '', '///', '0199a1b2-c3d4-7e5f-8a9b-0123456789ab'])('%j is a valid label value', (text) => {
    const value = labelValue(text);
    expect(value.length).toBeLessThanOrEqual(63);
    expect(value).toMatch(LABEL_VALUE);
  });

  it('keeps valid values as they are', () => {
    expect(labelValue('qwen2.5-72b')).toBe('qwen2.5-72b');
  });

  it('labels every server the same way', () => {
    expect(serverLabels({ workflowId: 'wf/1', runId: 'run', modelName: 'm' })).toEqual({
      'app.kubernetes.io/name': 'vllm',
      'app.kubernetes.io/managed-by': 'evalflow',
      'evalflow.dev/workflow-id': labelValue('wf/1'),
      'evalflow.dev/run-id': 'run',
      'evalflow.dev/model': 'm',
      'evalflow.dev/allocation': serverName('wf/1', 'm'),
    });
  });
});

describe('spec hash', () => {
  it('ignores key order, not values', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}');
    expect(specHash({ a: 1, b: 2 })).toBe(specHash({ b: 2, a: 1 }));
    expect(specHash({ a: 1 })).not.toBe(specHash({ a: 2 }));
  });
});

describe('vllm serve arguments', () => {
  it('turns prefix caching off explicitly and listens where told', () => {
    const args = vllmEngineArgs(ServingConfig.parse({ model: 'm' }), { host: '127.0.0.1', port: 1234 });
    expect(args).toContain('--no-enable-prefix-caching');
    expect(args.slice(-4)).toEqual(['--host', '127.0.0.1', '--port', '1234']);
    expect(args[args.indexOf('--served-model-name') + 1]).toBe('m');
  });
});
