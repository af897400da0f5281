import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ESLINT_CONTENDERS } from '../src/contenders.js';
import { fixWithEslint, lintWithTiming } from '../src/eslint-runs.js';
import { runBiome, runCodemod } from '../src/tool-runs.js';

// Every contender, for real, on one small misordered file: the bench only
// compares tools that lay out the same three groups. (The corpus-sized runs
// are `pnpm bench`, not tests.)

const INPUT = [
  "import { Button } from '@coder/ui';",
  "import { b } from './b';",
  "import { z } from 'zod';",
  "import fs from 'node:fs';",
  "import path from 'path';",
  '',
  'export const all = [Button, b, z, fs, path];',
  '',
].join('\n');

const GROUPED = [
  "import fs from 'node:fs';",
  "import path from 'path';",
  '',
  "import { z } from 'zod';",
  '',
  "import { Button } from '@coder/ui';",
  "import { b } from './b';",
  '',
  'export const all = [Button, b, z, fs, path];',
  '',
].join('\n');

let root: string;
let count = 0;

/** A folder holding the input file (and b.ts, so relative imports resolve). */
function project(): string {
  const directory = path.join(root, `p${count++}`);
  mkdirSync(directory);
  writeFileSync(path.join(directory, 'a.ts'), INPUT);
  writeFileSync(path.join(directory, 'b.ts'), 'export const b = 1;\n');
  return directory;
}

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'import-groups-bench-test-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('eslint --fix with each contender lays out the three groups', () => {
  for (const contender of ESLINT_CONTENDERS) {
    it(contender.name, () => {
      const directory = project();
      const fix = fixWithEslint(contender, directory);
      expect(readFileSync(path.join(directory, 'a.ts'), 'utf8')).toBe(GROUPED);
      expect(fix).toMatchObject({ files: 2, fixedFiles: 1, unsettled: 0, left: 0, fatal: 0 });
      expect(fix.maxPasses).toBeGreaterThanOrEqual(1);
    }, 60_000);
  }
});

describe('TIMING=all eslint', () => {
  it("reports the rule's own time", () => {
    const lint = lintWithTiming(ESLINT_CONTENDERS[0]!, project());
    expect(lint.reported).toBe(true);
    expect(lint.ruleMs).toBeGreaterThan(0);
    expect(lint.ruleMs).toBeLessThan(lint.wallMs);
  }, 60_000);
});

describe('the codemod and Biome lay out the same groups', () => {
  it('coder-codemod import-groups, in one pass', () => {
    const directory = project();
    expect(runCodemod(directory)).toMatchObject({ changed: 1, passes: 1, settled: true });
    expect(readFileSync(path.join(directory, 'a.ts'), 'utf8')).toBe(GROUPED);
  }, 60_000);

  it('biome organize-imports', () => {
    const directory = project();
    expect(runBiome(directory)).toMatchObject({ changed: 1, passes: 1, settled: true });
    expect(readFileSync(path.join(directory, 'a.ts'), 'utf8')).toBe(GROUPED);
  }, 60_000);
});
