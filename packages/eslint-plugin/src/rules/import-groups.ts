import type { TSESTree } from '@typescript-eslint/utils';

import {
  DEFAULT_BUILTIN,
  DEFAULT_INTERNAL,
  DEFAULT_SORT,
  IMPORT_GROUP_LABELS,
  planImportGroups,
} from '@coder/import-groups';
import type { ImportGroupsOptions, ImportRef, ProblemKind } from '@coder/import-groups';
import { createRule } from '../create-rule.js';

export type Options = [ImportGroupsOptions];
export type MessageIds = ProblemKind;

/**
 * `@coder/import-groups`: imports in three groups (built-in, third-party,
 * own code), one blank line between groups, none inside; the fix lays out a
 * whole chunk of imports in one pass. The policy and the layout live in the
 * `@coder/import-groups` engine, shared with the codemod.
 */
export const importGroups = createRule<Options, MessageIds>({
  name: 'import-groups',
  meta: {
    type: 'suggestion',
    docs: {
      description: 'Enforce three import groups: built-in, third-party, own code',
    },
    fixable: 'code',
    messages: {
      order: "'{{name}}' ({{group}}) must come before '{{otherName}}' ({{otherGroup}})",
      sort: "'{{name}}' must come before '{{otherName}}' (alphabetical order in the {{group}} group)",
      missingBlankLine: "Expected a blank line between '{{otherName}}' ({{otherGroup}}) and '{{name}}' ({{group}})",
      extraBlankLines:
        "Expected exactly one blank line between '{{otherName}}' ({{otherGroup}}) and '{{name}}' ({{group}})",
      blankLineInGroup: "Unexpected blank line between '{{otherName}}' and '{{name}}' inside the {{group}} group",
      layout: "'{{name}}' must be on its own line, directly below its comments and the import above it",
    },
    schema: [
      {
        type: 'object',
        additionalProperties: false,
        properties: {
          internal: {
            description: 'Specifier prefixes of own code. Default ["@coder/"].',
            type: 'array',
            items: { type: 'string', minLength: 1 },
          },
          tsconfig: {
            description:
              'The tsconfig whose `paths` patterns are own code (a path relative to the working directory), or false for none. Default: the nearest tsconfig.json above the file.',
            anyOf: [{ type: 'string', minLength: 1 }, { type: 'boolean', enum: [false] }],
          },
          builtin: {
            description: 'Extra built-in modules besides Node\'s, exact or with one "*" (for example "bun", "bun:*").',
            type: 'array',
            items: { type: 'string', minLength: 1 },
          },
          sort: {
            description: 'Order inside a group: "none" keeps the written order, "alphabetical" sorts by specifier.',
            type: 'string',
            enum: ['none', 'alphabetical'],
          },
        },
      },
    ],
  },
  defaultOptions: [{ internal: DEFAULT_INTERNAL, builtin: DEFAULT_BUILTIN, sort: DEFAULT_SORT }],
  create(context, [options]) {
    const sourceCode = context.sourceCode;
    return {
      Program(program: TSESTree.Program): void {
        const plan = planImportGroups(sourceCode.text, program, {
          ...options,
          filename: context.filename,
          cwd: context.cwd,
        });
        for (const chunk of plan.chunks) {
          const replacement = chunk.replacement;
          if (replacement === null) continue;
          chunk.problems.forEach((problem, index) => {
            context.report({
              loc: {
                start: sourceCode.getLocFromIndex(problem.import.range[0]),
                end: sourceCode.getLocFromIndex(problem.import.range[1]),
              },
              messageId: problem.kind,
              data: { ...describe('', problem.import), ...describe('other', problem.other) },
              // One fix per chunk, carrying the whole laid-out chunk: ESLint
              // settles in one pass, and the fix is exactly the codemod's edit.
              fix: index === 0 ? (fixer) => fixer.replaceTextRange([chunk.range[0], chunk.range[1]], replacement) : null,
            });
          });
        }
      },
    };
  },
});

function describe(prefix: '' | 'other', ref: ImportRef | undefined): Record<string, string> {
  if (!ref) return {};
  const name = prefix === '' ? 'name' : 'otherName';
  const group = prefix === '' ? 'group' : 'otherGroup';
  return { [name]: ref.specifier, [group]: IMPORT_GROUP_LABELS[ref.group] };
}
