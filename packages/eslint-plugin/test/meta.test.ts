import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import plugin, { ruleDocsUrl, rules } from '../src/index.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const ruleFiles = readdirSync(`${root}src/rules`)
  .filter((file) => file.endsWith('.ts') && file !== 'index.ts')
  .map((file) => file.slice(0, -'.ts'.length));

// Fails when a rule arrives without its export, documentation or tests.
describe('every rule is exported, documented and tested', () => {
  it('has at least one rule', () => {
    expect(ruleFiles.length).toBeGreaterThan(0);
  });

  it('exports exactly the rules in src/rules', () => {
    expect(Object.keys(rules).sort()).toEqual([...ruleFiles].sort());
    expect(plugin.rules).toBe(rules);
  });

  for (const name of ruleFiles) {
    describe(name, () => {
      const rule = rules[name as keyof typeof rules];

      it('is built by createRule: docs URL derived from its name', () => {
        expect(rule.meta.docs?.url).toBe(ruleDocsUrl(name));
        expect(rule.meta.docs?.url).toMatch(new RegExp(`/docs/rules/${name}\\.md$`));
      });

      it('has a schema with additionalProperties: false and a description per property', () => {
        const schema = rule.meta.schema as unknown as Array<{ additionalProperties?: boolean; properties?: Record<string, { description?: string }> }>;
        for (const entry of schema) {
          expect(entry.additionalProperties).toBe(false);
          for (const [property, definition] of Object.entries(entry.properties ?? {})) {
            expect(definition.description, `${property} has no description`).toBeTruthy();
          }
        }
      });

      it('has docs/rules/<rule>.md with Examples, Options (each option), When Not To Use It', () => {
        const file = `${root}docs/rules/${name}.md`;
        expect(existsSync(file), `${file} is missing`).toBe(true);
        const docs = readFileSync(file, 'utf8');
        expect(docs).toMatch(/^## Examples$/m);
        expect(docs).toMatch(/^## Options$/m);
        expect(docs).toMatch(/^## When Not To Use It$/m);
        const schema = rule.meta.schema as unknown as Array<{ properties?: Record<string, unknown> }>;
        for (const property of schema.flatMap((entry) => Object.keys(entry.properties ?? {}))) {
          expect(docs, `option ${property} is not documented`).toContain(`### \`${property}\``);
        }
      });

      it('has test/rules/<rule>.test.ts', () => {
        expect(existsSync(`${root}test/rules/${name}.test.ts`)).toBe(true);
      });

      it('is in configs.recommended', () => {
        expect(plugin.configs.recommended.rules).toHaveProperty(`@coder/${name}`);
      });
    });
  }
});

describe('configs.recommended', () => {
  it('is a flat config that registers the plugin under @coder', () => {
    expect(plugin.configs.recommended.plugins?.['@coder']).toBe(plugin);
    expect(plugin.configs.recommended.files).toEqual(['**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}']);
  });
});
