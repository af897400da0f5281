import { parse } from '@typescript-eslint/typescript-estree';

import { fixImportGroups, planImportGroups } from '../src/index.js';
import type { Plan, PlanOptions, ProgramLike } from '../src/index.js';

/** Parses like ESLint does: BOM stripped, ranges on. */
export function parseForTest(code: string, filename = 'file.ts'): { bom: string; body: string; program: ProgramLike } {
  const bom = code.startsWith('\uFEFF') ? '\uFEFF' : '';
  const body = code.slice(bom.length);
  return { bom, body, program: parse(body, { range: true, filePath: filename, jsx: filename.endsWith('x') }) };
}

/** The engine applied to a whole file, BOM kept. */
export function fixForTest(code: string, options?: PlanOptions, filename?: string): string {
  const { bom, body, program } = parseForTest(code, filename);
  return bom + fixImportGroups(body, program, { tsconfig: false, ...options, filename: options?.filename ?? filename });
}

export function planForTest(code: string, options?: PlanOptions, filename?: string): Plan {
  const { body, program } = parseForTest(code, filename);
  return planImportGroups(body, program, { tsconfig: false, ...options, filename: options?.filename ?? filename });
}
