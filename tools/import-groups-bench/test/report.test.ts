import { describe, expect, it } from 'vitest';

import { parseTiming } from '../src/eslint-runs.js';
import { median, ratio, seconds, table } from '../src/report.js';

describe('parseTiming', () => {
  it("reads ESLint's TIMING table", () => {
    const stdout = [
      'Rule                 | Time (ms) | Relative',
      ':--------------------|----------:|--------:',
      'import/order         |   812.513 |    97.1%',
      '@coder/import-groups |    24.000 |     2.9%',
    ].join('\n');
    expect(parseTiming(stdout)).toEqual(
      new Map([
        ['import/order', 812.513],
        ['@coder/import-groups', 24],
      ]),
    );
  });
});

describe('report', () => {
  it('aligns a table: first column left, the others right', () => {
    expect(table(['tool', 's'], [['a', '1.00'], ['longer', '12.50']])).toBe(
      ['tool        s', '------  -----', 'a        1.00', 'longer  12.50'].join('\n'),
    );
  });

  it('formats seconds, ratios and medians', () => {
    expect(seconds(1234)).toBe('1.23');
    expect(seconds(Number.NaN)).toBe('n/a');
    expect(ratio(0.5)).toBe('0.50×');
    expect(ratio(12.34)).toBe('12.3×');
    expect(ratio(Number.POSITIVE_INFINITY)).toBe('n/a');
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });
});
