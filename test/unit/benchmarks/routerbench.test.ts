import { describe, expect, it } from 'vitest';
import { NO_LABELS_NOTE, routerbench } from '../../../benchmarks/routerbench.ts';
import { scoreResponse } from '../../../benchmarks/score.ts';

describe('routerbench rows', () => {
  it.each([
    ['label wins', { prompt: 'Say hi', label: 'hi', expected_answer: 'hello', id: 'r1' }, 'r1', 'hi'],
    ['expected_answer when no label', { prompt: 'Say hi', expected_answer: 'hello', sample_id: 'mmlu.dev.3' }, 'mmlu.dev.3', 'hello'],
    ['numeric label', { prompt: 'Two plus two?', label: 4 }, '7', '4'],
    ['no label', { prompt: 'Free text', metadata: { source: 'x' } }, '7', null],
    ['null label', { prompt: 'Free text', label: null }, '7', null],
  ])('%s', (_label, row, id, reference) => {
    const e = routerbench.toExample(row, 7);
    expect(e.id).toBe(id);
    expect(e.reference).toBe(reference);
  });

  it('needs a prompt', () => {
    expect(() => routerbench.toExample({ label: 'A' }, 0)).toThrow();
  });
});

describe('routerbench scoring', () => {
  const score = (response: string | null, reference: string | null, hasLabels: boolean) =>
    scoreResponse(routerbench, { response, reference, finishReason: 'stop', error: null, accuracyOff: routerbench.accuracyOff({ has_labels: hasLabels }) !== null });

  it.each([
    ['exact', 'B', 'B', true],
    ['stripped both sides', '  B\n', ' B ', true],
    ['case matters', 'b', 'B', false],
    ['extra words fail', 'The answer is B', 'B', false],
  ])('with labels: %s', (_label, response, label, correct) => {
    const v = score(response, label, true);
    expect(v.correct).toBe(correct);
    expect(v.ambiguity_reason).toBeNull();
  });

  it('with labels, an empty output is unscorable', () => {
    expect(score('   ', 'B', true)).toMatchObject({ correct: null, ambiguity_reason: 'no_answer_in_response' });
  });

  it('with labels, a row without one is unscorable for the reference', () => {
    expect(score('B', null, true)).toMatchObject({ correct: null, ambiguity_reason: 'no_answer_in_reference' });
  });

  it.each([
    ['a label present', 'B'],
    ['no label', null],
  ])('without has_labels: no accuracy, output kept (%s)', (_label, reference) => {
    const v = score(' some output ', reference, false);
    expect(v).toMatchObject({ correct: null, ambiguity_reason: 'no_label', extracted: 'some output' });
  });

  it.each([
    [undefined, NO_LABELS_NOTE],
    [false, NO_LABELS_NOTE],
    [true, null],
  ])('has_labels %s gives note %s', (hasLabels, note) => {
    expect(routerbench.accuracyOff({ has_labels: hasLabels })).toBe(note);
  });
});
