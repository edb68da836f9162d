import { describe, expect, it } from 'vitest';
import { RequestLog, type ServerRequestRecord } from '../../../simulator/records.ts';

const record = (i: number): ServerRequestRecord => ({ id: String(i), endpoint: 'completions', arrivalMs: i, admittedMs: null, firstTokenMs: null, endMs: null, promptTokens: 0, completionTokens: 0, finishReason: null, status: null });

describe('RequestLog', () => {
  it('drops the oldest tenth past its cap and counts them', () => {
    const log = new RequestLog(20);
    for (let i = 0; i < 25; i++) log.push(record(i));
    expect(log.length).toBe(19);
    expect(log.dropped).toBe(6);
    expect(log.list()[0]?.id).toBe('6');
    expect(log.clear()).toBe(19);
    expect(log.dropped).toBe(0);
  });

  it('list() is a copy', () => {
    const log = new RequestLog();
    log.push(record(1));
    log.list().pop();
    expect(log.length).toBe(1);
  });
});
