import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { show } from '@coder/import-groups/test-cases';
import { fixOnceWithRule, runTransform } from './helpers.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const PAIR = /^(?<name>.+)\.(?<side>input|output)\.(?<ext>[cm]?[jt]sx?)$/;

/** Every `<case>.input.<ext>` / `<case>.output.<ext>` pair below the fixtures folder, by transform. */
function discover(): Map<string, { input?: string; output?: string }> {
  const pairs = new Map<string, { input?: string; output?: string }>();
  const walk = (directory: string): void => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) {
        walk(full);
        continue;
      }
      const match = PAIR.exec(entry.name);
      if (!match?.groups) throw new Error(`${full}: fixture names are <case>.input.<ext> / <case>.output.<ext>`);
      const key = path.join(path.relative(FIXTURES, directory), `${match.groups['name']}.${match.groups['ext']}`);
      const pair = pairs.get(key) ?? {};
      pair[match.groups['side'] as 'input' | 'output'] = full;
      pairs.set(key, pair);
    }
  };
  walk(FIXTURES);
  return pairs;
}

const pairs = discover();

describe('codemod fixtures', () => {
  it('are found, and every input has its output (and the other way round)', () => {
    expect(pairs.size).toBeGreaterThan(0);
    for (const [key, pair] of pairs) {
      expect(pair.input, `${key} has no .input file`).toBeDefined();
      expect(pair.output, `${key} has no .output file`).toBeDefined();
    }
  });

  for (const [key, pair] of pairs) {
    const transform = key.split(path.sep)[0];
    it(key, () => {
      expect(transform).toBe('import-groups');
      const input = readFileSync(pair.input!, 'utf8');
      const expected = readFileSync(pair.output!, 'utf8');
      const output = runTransform(input, { tsconfig: 'false' }, pair.input!);
      expect(show(output)).toBe(show(expected));
      if (input === expected) expect(output).toBe(input);
      expect(output).toBe(fixOnceWithRule(input, { tsconfig: false }, pair.input!));
      expect(runTransform(output, { tsconfig: 'false' }, pair.input!)).toBe(output);
    });
  }
});
