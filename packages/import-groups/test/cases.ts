/**
 * The one table of import-groups cases. It drives the engine's tests, the
 * ESLint rule's RuleTester run and the codemod's tests, so the rule's fix and
 * the codemod can never disagree on a case. `output: null` means valid (no
 * report, no change).
 */
import { fileURLToPath } from 'node:url';

import type { ImportGroupsOptions, ProblemKind } from '../src/index.js';
import { text } from './layout-text.js';

export { show, text } from './layout-text.js';

export interface ImportGroupsCase {
  readonly name: string;
  readonly code: string;
  /** The fixed text, or `null` when the code is already laid out. */
  readonly output: string | null;
  /** Reports, in order, by problem kind (the rule's message ids). */
  readonly errors?: readonly ProblemKind[];
  /** Exact report messages, when a case pins them. */
  readonly messages?: readonly string[];
  /** Default `{ tsconfig: false }`; `{ tsconfig: undefined }` for the nearest tsconfig.json. */
  readonly options?: ImportGroupsOptions;
  /** Default `file.ts` (`.tsx` when the case name says so). */
  readonly filename?: string;
}

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const PATHS_TSCONFIG = `${FIXTURES}tsconfig.paths.json`;

export const IMPORT_GROUPS_CASES: readonly ImportGroupsCase[] = [
  {
    name: 'three groups in order',
    code: text`
      |import fs from 'node:fs';
      |import path from 'path';
      |
      |import React from 'react';
      |import { z } from 'zod';
      |
      |import { Button } from '@coder/ui';
      |import { a } from './a.js';
    `,
    output: null,
  },
  {
    name: 'third-party after own code',
    code: text`
      |import { Button } from '@coder/ui';
      |import React from 'react';
    `,
    output: text`
      |import React from 'react';
      |
      |import { Button } from '@coder/ui';
    `,
    errors: ['order'],
    messages: ["'react' (third-party) must come before '@coder/ui' (own code)"],
  },
  {
    name: 'every group reversed, original order kept inside groups',
    code: text`
      |import b from './b';
      |import a from './a';
      |import z from 'zod';
      |import react from 'react';
      |import path from 'node:path';
      |import fs from 'fs';
    `,
    output: text`
      |import path from 'node:path';
      |import fs from 'fs';
      |
      |import z from 'zod';
      |import react from 'react';
      |
      |import b from './b';
      |import a from './a';
    `,
    errors: ['order', 'order', 'order', 'order'],
  },
  {
    name: 'missing blank line between groups',
    code: text`
      |import fs from 'node:fs';
      |import React from 'react';
    `,
    output: text`
      |import fs from 'node:fs';
      |
      |import React from 'react';
    `,
    errors: ['missingBlankLine'],
    messages: ["Expected a blank line between 'node:fs' (built-in) and 'react' (third-party)"],
  },
  {
    name: 'two blank lines between groups',
    code: text`
      |import fs from 'node:fs';
      |
      |
      |import React from 'react';
    `,
    output: text`
      |import fs from 'node:fs';
      |
      |import React from 'react';
    `,
    errors: ['extraBlankLines'],
  },
  {
    name: 'blank line inside a group',
    code: text`
      |import React from 'react';
      |
      |import { z } from 'zod';
    `,
    output: text`
      |import React from 'react';
      |import { z } from 'zod';
    `,
    errors: ['blankLineInGroup'],
    messages: ["Unexpected blank line between 'react' and 'zod' inside the third-party group"],
  },
  {
    name: 'empty groups leave no stray blank line',
    code: text`
      |import { a } from './a.js';
      |
      |
      |import fs from 'node:fs';
      |const x = 1;
    `,
    output: text`
      |import fs from 'node:fs';
      |
      |import { a } from './a.js';
      |const x = 1;
    `,
    errors: ['order'],
  },
  {
    name: 'one group only, blank lines removed',
    code: text`
      |import { a } from './a.js';
      |
      |import { b } from '../b.js';
      |
      |import { c } from '/abs/c.js';
    `,
    output: text`
      |import { a } from './a.js';
      |import { b } from '../b.js';
      |import { c } from '/abs/c.js';
    `,
    errors: ['blankLineInGroup', 'blankLineInGroup'],
  },
  {
    name: 'own-line comments above an import move with it',
    code: text`
      |import fs from 'node:fs';
      |
      |// The design system.
      |/* second line */
      |import { Button } from '@coder/ui';
      |// React itself.
      |import React from 'react';
    `,
    output: text`
      |import fs from 'node:fs';
      |
      |// React itself.
      |import React from 'react';
      |
      |// The design system.
      |/* second line */
      |import { Button } from '@coder/ui';
    `,
    errors: ['order'],
  },
  {
    name: 'same-line comments move with their import',
    code: text`
      |import { a } from './a.js'; // own code
      |import fs from 'node:fs'; /* built-in */ // really
    `,
    output: text`
      |import fs from 'node:fs'; /* built-in */ // really
      |
      |import { a } from './a.js'; // own code
    `,
    errors: ['order'],
  },
  {
    name: 'license header stays at the top',
    code: text`
      |/**
      | * Copyright 2024 Coder Technologies Inc.
      | * SPDX-License-Identifier: AGPL-3.0
      | */
      |import { a } from './a.js';
      |import fs from 'node:fs';
    `,
    output: text`
      |/**
      | * Copyright 2024 Coder Technologies Inc.
      | * SPDX-License-Identifier: AGPL-3.0
      | */
      |import fs from 'node:fs';
      |
      |import { a } from './a.js';
    `,
    errors: ['order'],
  },
  {
    name: 'jest-environment pragma stays at the top',
    code: text`
      |/** @jest-environment jsdom */
      |
      |import { render } from './render.js';
      |import React from 'react';
    `,
    output: text`
      |/** @jest-environment jsdom */
      |
      |import React from 'react';
      |
      |import { render } from './render.js';
    `,
    errors: ['order'],
  },
  {
    name: 'eslint-disable block stays, eslint-disable-next-line travels',
    code: text`
      |/* eslint-disable no-console */
      |// eslint-disable-next-line no-restricted-imports -- reason
      |import { a } from './a.js';
      |import fs from 'node:fs';
    `,
    output: text`
      |/* eslint-disable no-console */
      |import fs from 'node:fs';
      |
      |// eslint-disable-next-line no-restricted-imports -- reason
      |import { a } from './a.js';
    `,
    errors: ['order'],
  },
  {
    name: '@ts-ignore above the first import travels with it',
    code: text`
      |// Header comment.
      |// @ts-ignore -- untyped
      |import legacy from './legacy.js';
      |import fs from 'node:fs';
    `,
    output: text`
      |// Header comment.
      |import fs from 'node:fs';
      |
      |// @ts-ignore -- untyped
      |import legacy from './legacy.js';
    `,
    errors: ['order'],
  },
  {
    name: '@ts-expect-error and its explanation travel with the import below',
    code: text`
      |import { a } from './a.js';
      |// @ts-expect-error -- no types
      |// see https://example.com/issue/1
      |import untyped from 'untyped';
    `,
    output: text`
      |// @ts-expect-error -- no types
      |// see https://example.com/issue/1
      |import untyped from 'untyped';
      |
      |import { a } from './a.js';
    `,
    errors: ['order'],
  },
  {
    name: 'shebang stays first',
    code: text`
      |#!/usr/bin/env node
      |import { run } from './cli.js';
      |import process from 'node:process';
    `,
    output: text`
      |#!/usr/bin/env node
      |import process from 'node:process';
      |
      |import { run } from './cli.js';
    `,
    errors: ['order'],
  },
  {
    name: 'BOM stays first',
    code: text`
      |<BOM>import { run } from './cli.js';
      |import process from 'node:process';
    `,
    output: text`
      |<BOM>import process from 'node:process';
      |
      |import { run } from './cli.js';
    `,
    errors: ['order'],
  },
  {
    name: 'CRLF file keeps CRLF',
    code: text`
      |// header<CR>
      |import { a } from './a.js'; // a<CR>
      |// about react<CR>
      |import React from 'react';<CR>
      |<CR>
      |import fs from 'node:fs';<CR>
      |export const x = 1;<CR>
    `,
    output: text`
      |// header<CR>
      |import fs from 'node:fs';<CR>
      |<CR>
      |// about react<CR>
      |import React from 'react';<CR>
      |<CR>
      |import { a } from './a.js'; // a<CR>
      |export const x = 1;<CR>
    `,
    errors: ['order', 'order'],
  },
  {
    name: 'CRLF file already laid out',
    code: text`
      |import fs from 'node:fs';<CR>
      |<CR>
      |import { a } from './a.js';<CR>
    `,
    output: null,
  },
  {
    name: 'side-effect imports are barriers',
    code: text`
      |import { a } from './a.js';
      |import './polyfill.js';
      |import React from 'react';
      |import 'reflect-metadata';
      |import {} from 'empty-braces-run-code';
      |import fs from 'node:fs';
    `,
    output: null,
  },
  {
    name: 'each chunk between barriers is laid out on its own',
    code: text`
      |import { a } from './a.js';
      |import fs from 'node:fs';
      |import './polyfill.js';
      |import { b } from './b.js';
      |import React from 'react';
    `,
    output: text`
      |import fs from 'node:fs';
      |
      |import { a } from './a.js';
      |import './polyfill.js';
      |import React from 'react';
      |
      |import { b } from './b.js';
    `,
    errors: ['order', 'order'],
  },
  {
    name: 'code and export-from are barriers',
    code: text`
      |import { a } from './a.js';
      |export { b } from 'b-package';
      |import React from 'react';
      |const value = 1;
      |import fs from 'node:fs';
      |export * from './all.js';
      |import path from 'node:path';
    `,
    output: null,
  },
  {
    name: 'import = require() moves, import A = N.B is a barrier',
    code: text`
      |import local = require('./local');
      |import fs = require('fs');
      |import type Types = require('some-types');
      |import Alias = Namespace.Member;
      |import other = require('other');
    `,
    output: text`
      |import fs = require('fs');
      |
      |import type Types = require('some-types');
      |
      |import local = require('./local');
      |import Alias = Namespace.Member;
      |import other = require('other');
    `,
    errors: ['order', 'order'],
  },
  {
    name: 'import type and inline type specifiers are grouped by their source',
    code: text`
      |import type { Props } from './props.js';
      |import { type FC, useState } from 'react';
      |import type {} from 'type-only-empty';
      |import type { Stats } from 'node:fs';
    `,
    output: text`
      |import type { Stats } from 'node:fs';
      |
      |import { type FC, useState } from 'react';
      |import type {} from 'type-only-empty';
      |
      |import type { Props } from './props.js';
    `,
    errors: ['order', 'order', 'order'],
  },
  {
    name: 'imports inside declare module blocks',
    code: text`
      |declare module 'my-module' {
      |  import { a } from './a.js';
      |  // comment about fs
      |  import fs from 'node:fs';
      |  export function f(): void;
      |}
    `,
    output: text`
      |declare module 'my-module' {
      |  // comment about fs
      |  import fs from 'node:fs';
      |
      |  import { a } from './a.js';
      |  export function f(): void;
      |}
    `,
    errors: ['order'],
  },
  {
    name: 'multi-line imports and blank lines inside braces are untouched',
    code: text`
      |import {
      |  a,
      |
      |  // the b
      |  b,
      |} from './ab.js';
      |import {
      |  readFile,
      |
      |  writeFile,
      |} from 'node:fs/promises';
    `,
    output: text`
      |import {
      |  readFile,
      |
      |  writeFile,
      |} from 'node:fs/promises';
      |
      |import {
      |  a,
      |
      |  // the b
      |  b,
      |} from './ab.js';
    `,
    errors: ['order'],
  },
  {
    name: '@/ and ~/ aliases from tsconfig paths are own code',
    code: text`
      |import { db } from '@/lib/db';
      |import { ui } from '~/ui';
      |import config from 'config';
      |import star from 'star-is-not-a-catch-all';
      |import React from 'react';
    `,
    output: text`
      |import star from 'star-is-not-a-catch-all';
      |import React from 'react';
      |
      |import { db } from '@/lib/db';
      |import { ui } from '~/ui';
      |import config from 'config';
    `,
    options: { tsconfig: PATHS_TSCONFIG },
    errors: ['order', 'order'],
  },
  {
    name: 'nearest tsconfig.json by default, with extends',
    code: text`
      |import { db } from '@/lib/db';
      |import React from 'react';
    `,
    output: text`
      |import React from 'react';
      |
      |import { db } from '@/lib/db';
    `,
    options: { tsconfig: undefined },
    filename: `${FIXTURES}app/src/file.ts`,
    errors: ['order'],
  },
  {
    name: '# subpath imports are own code',
    code: text`
      |import { env } from '#env';
      |import React from 'react';
    `,
    output: text`
      |import React from 'react';
      |
      |import { env } from '#env';
    `,
    errors: ['order'],
  },
  {
    name: 'node: and prefix-only built-ins',
    code: text`
      |import test from 'test';
      |import { describe } from 'node:test';
      |import { DatabaseSync } from 'node:sqlite';
      |import { spec } from 'node:test/reporters';
      |import sea from 'node:sea';
    `,
    output: text`
      |import { describe } from 'node:test';
      |import { DatabaseSync } from 'node:sqlite';
      |import { spec } from 'node:test/reporters';
      |import sea from 'node:sea';
      |
      |import test from 'test';
    `,
    errors: ['order', 'order', 'order', 'order'],
  },
  {
    name: 'util/format-date and punycode/ are packages, real subpaths are built-ins',
    code: text`
      |import formatDate from 'util/format-date';
      |import punycode from 'punycode/';
      |import { readFile } from 'fs/promises';
      |import { types } from 'util/types';
      |import { posix } from 'path/posix';
      |import { ReadableStream } from 'stream/web';
    `,
    output: text`
      |import { readFile } from 'fs/promises';
      |import { types } from 'util/types';
      |import { posix } from 'path/posix';
      |import { ReadableStream } from 'stream/web';
      |
      |import formatDate from 'util/format-date';
      |import punycode from 'punycode/';
    `,
    errors: ['order', 'order', 'order', 'order'],
  },
  {
    name: 'extra built-ins (bun, bun:*)',
    code: text`
      |import React from 'react';
      |import { Database } from 'bun:sqlite';
      |import { serve } from 'bun';
    `,
    output: text`
      |import { Database } from 'bun:sqlite';
      |import { serve } from 'bun';
      |
      |import React from 'react';
    `,
    options: { tsconfig: false, builtin: ['bun', 'bun:*'] },
    errors: ['order', 'order'],
  },
  {
    name: 'custom own-code prefixes',
    code: text`
      |import { x } from '@acme/x';
      |import React from 'react';
      |import { ui } from '@coder/ui';
    `,
    output: text`
      |import React from 'react';
      |import { ui } from '@coder/ui';
      |
      |import { x } from '@acme/x';
    `,
    options: { tsconfig: false, internal: ['@acme/'] },
    errors: ['order', 'order'],
  },
  {
    name: 'alphabetical sort inside groups',
    code: text`
      |import zod from 'zod';
      |import React from 'react';
      |import path from 'node:path';
      |import fs from 'node:fs';
    `,
    output: text`
      |import fs from 'node:fs';
      |import path from 'node:path';
      |
      |import React from 'react';
      |import zod from 'zod';
    `,
    options: { tsconfig: false, sort: 'alphabetical' },
    errors: ['sort', 'order', 'order'],
  },
  {
    name: 'alphabetical sort, already sorted',
    code: text`
      |import fs from 'node:fs';
      |import path from 'node:path';
      |
      |import React from 'react';
      |import zod from 'zod';
    `,
    output: null,
    options: { tsconfig: false, sort: 'alphabetical' },
  },
  {
    name: 'directive prologue never moves',
    code: text`
      |'use client';
      |
      |import { a } from './a.js';
      |import React from 'react';
    `,
    output: text`
      |'use client';
      |
      |import React from 'react';
      |
      |import { a } from './a.js';
    `,
    errors: ['order'],
  },
  {
    name: 'two imports on one line are split',
    code: text`
      |import fs from 'node:fs'; import path from 'node:path';
    `,
    output: text`
      |import fs from 'node:fs';
      |import path from 'node:path';
    `,
    errors: ['layout'],
  },
  {
    name: 'code after the last import on its line gets its own line',
    code: text`
      |import { a } from './a.js'; // a
      |import fs from 'node:fs'; run();
    `,
    output: text`
      |import fs from 'node:fs';
      |
      |import { a } from './a.js'; // a
      |run();
    `,
    errors: ['order'],
  },
  {
    name: 'after code, a comment separated by a blank line stays; one directly above moves',
    code: text`
      |run();
      |// about the next section
      |
      |// about a
      |import { a } from './a.js';
      |import fs from 'node:fs'; // fs
      |// after the chunk
      |run();
    `,
    output: text`
      |run();
      |// about the next section
      |
      |import fs from 'node:fs'; // fs
      |
      |// about a
      |import { a } from './a.js';
      |// after the chunk
      |run();
    `,
    errors: ['order'],
  },
  {
    name: 'trailing comment of a barrier stays with it',
    code: text`
      |import './setup.js'; // must run first
      |import { a } from './a.js';
      |import fs from 'node:fs';
    `,
    output: text`
      |import './setup.js'; // must run first
      |import fs from 'node:fs';
      |
      |import { a } from './a.js';
    `,
    errors: ['order'],
  },
  {
    name: 'comment separated by a blank line from its import joins it',
    code: text`
      |import fs from 'node:fs';
      |
      |import React from 'react';
      |// about a
      |
      |import { a } from './a.js';
    `,
    output: text`
      |import fs from 'node:fs';
      |
      |import React from 'react';
      |
      |// about a
      |import { a } from './a.js';
    `,
    errors: ['layout'],
  },
  {
    name: 'trailing blanks after an import are kept',
    code: text`
      |import { a } from './a.js';${'  '}
      |import fs from 'node:fs';
    `,
    output: text`
      |import fs from 'node:fs';
      |
      |import { a } from './a.js';${'  '}
    `,
    errors: ['order'],
  },
  {
    name: 'tabs and a .tsx file',
    filename: 'component.tsx',
    code: text`
      |import { Button } from '@coder/ui';
      |import React from 'react';
      |
      |export const App = () => <Button>{React.version}</Button>;
    `,
    output: text`
      |import React from 'react';
      |
      |import { Button } from '@coder/ui';
      |
      |export const App = () => <Button>{React.version}</Button>;
    `,
    errors: ['order'],
  },
  {
    name: 'file without imports',
    code: text`
      |// nothing to do
      |export const x = 1;
    `,
    output: null,
  },
  {
    name: 'no final line break',
    code: text`
      |import { a } from './a.js';
      |import fs from 'node:fs';<EOF>
    `,
    output: text`
      |import fs from 'node:fs';
      |
      |import { a } from './a.js';<EOF>
    `,
    errors: ['order'],
  },
  bigBlock(2000),
];

/**
 * A block of `count` imports cycling through the three groups (own code,
 * third-party, built-in), each with a comment; fixed in one pass.
 */
export function bigBlock(count: number): ImportGroupsCase {
  const groups: string[][] = [[], [], []];
  let code = '';
  for (let i = 0; i < count; i++) {
    const kind = i % 3;
    const line =
      kind === 0
        ? `import { m${i} } from './module-${i}.js'; // own ${i}\n`
        : kind === 1
          ? `import p${i} from 'package-${i}';\n`
          : `// built-in ${i}\nimport b${i} from 'node:builtin-${i}';\n`;
    code += line;
    groups[kind === 2 ? 0 : kind === 1 ? 1 : 2]!.push(line);
  }
  const output = groups.filter((lines) => lines.length > 0).map((lines) => lines.join('')).join('\n');
  const errors: ProblemKind[] = [];
  for (let i = 1; i < count; i++) if (i % 3 !== 0) errors.push('order');
  return { name: `a block of ${count} imports fixed in one pass`, code, output, errors };
}
