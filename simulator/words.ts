/**
 * Filler vocabulary: plain lowercase words with no digits, so filler never looks like a
 * final answer to a GSM8K or MATH parser. 64 entries, so a hash picks one with a mask.
 */
export const FILLER_WORDS: readonly string[] = [
  'the', 'model', 'answer', 'reasoning', 'first', 'then', 'because', 'value',
  'result', 'step', 'consider', 'each', 'total', 'number', 'given', 'that',
  'which', 'means', 'we', 'have', 'so', 'now', 'find', 'using', 'this',
  'problem', 'asks', 'for', 'part', 'and', 'with', 'into', 'from', 'after',
  'before', 'also', 'again', 'next', 'both', 'other', 'same', 'more', 'less',
  'half', 'twice', 'equal', 'sum', 'difference', 'product', 'ratio', 'count',
  'remaining', 'left', 'over', 'per', 'every', 'some', 'all', 'none', 'it',
  'is', 'are', 'was', 'be',
];

export const FILLER_MASK = 63;
