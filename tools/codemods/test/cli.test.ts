import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { main } from '../src/cli.js';
import type { CliIo } from '../src/cli.js';

const UNORDERED = "import { a } from './a.js';\nimport fs from 'node:fs';\n";
const ORDERED = "import fs from 'node:fs';\n\nimport { a } from './a.js';\n";

let root: string;

function write(file: string, content: string): void {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), content);
}
function read(file: string): string {
  return readFileSync(path.join(root, file), 'utf8');
}

function project(): void {
  write('.gitignore', 'ignored/\n*.generated.ts\n');
  write('src/a.ts', UNORDERED);
  write('src/b.ts', ORDERED);
  write('src/view.tsx', "import { Button } from '@coder/ui';\nimport React from 'react';\nexport const V = () => <Button />;\n");
  write('src/none.ts', 'export const x = 1;\n');
  write('src/broken.ts', "import fs from 'node:fs';\nconst = ;\n");
  write('src/gen.generated.ts', UNORDERED);
  write('ignored/x.ts', UNORDERED);
  write('node_modules/pkg/index.ts', UNORDERED);
  write('dist/out.js', UNORDERED);
  write('notes.md', UNORDERED);
}

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const errors = new PassThrough();
  errors.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const io: CliIo = { stdout: { write: (text: string) => (stdout += text) }, stderr: errors, cwd: root };
  const code = await main(['node', 'coder-codemod', ...args], io);
  return { code, stdout, stderr };
}

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'coder-codemod-'));
  project();
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('coder-codemod import-groups', () => {
  it('--dry --json reports without writing; a file that does not parse fails with its path and message', async () => {
    const { code, stdout } = await run('import-groups', '--dry', '--json');
    expect(code).toBe(1);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({ scanned: 5, changed: 2, unchanged: 1, skipped: 1, failed: 1, dry: true });
    expect(summary.changedFiles).toEqual(['src/a.ts', 'src/view.tsx']);
    expect(summary.failures).toEqual([
      { path: 'src/broken.ts', code: 'CODEMOD_PARSE_FAILED', message: expect.stringMatching(/\(2:\d+\)$/) },
    ]);
    expect(read('src/a.ts')).toBe(UNORDERED);
  });

  it('writes changed files, honours .gitignore, skips node_modules and build output, goes on after a failure', async () => {
    const { code, stdout, stderr } = await run('import-groups');
    expect(code).toBe(1);
    expect(read('src/a.ts')).toBe(ORDERED);
    expect(read('src/view.tsx')).toBe(
      "import React from 'react';\n\nimport { Button } from '@coder/ui';\nexport const V = () => <Button />;\n",
    );
    for (const untouched of ['ignored/x.ts', 'src/gen.generated.ts', 'node_modules/pkg/index.ts', 'dist/out.js']) {
      expect(read(untouched)).toBe(UNORDERED);
    }
    expect(read('src/broken.ts')).toBe("import fs from 'node:fs';\nconst = ;\n");
    expect(stderr).toMatch(/^failed: src\/broken\.ts: .+/m);
    expect(stdout).toMatch(
      /^import-groups: 5 files scanned in \d+\.\d\d s: 2 changed, 1 unchanged, 1 skipped, 1 failed\n$/,
    );
  });

  it('exits 0 when nothing failed, and a second run changes nothing', async () => {
    expect((await run('import-groups', 'src/a.ts', 'src/b.ts')).code).toBe(0);
    const second = await run('import-groups', '--json', 'src/a.ts', 'src/b.ts');
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ changed: 0, unchanged: 2 });
  });

  it('--print prints the new text of changed files', async () => {
    const { stdout } = await run('import-groups', '--dry', '--print', 'src/a.ts');
    expect(stdout).toBe(`==> src/a.ts <==\n${ORDERED}import-groups: 1 files scanned in ${stdout.match(/in (\S+) s/)?.[1]} s: 1 would change, 0 unchanged, 0 skipped, 0 failed\n`);
  });

  it('--extensions limits the walk', async () => {
    const { stdout } = await run('import-groups', '--dry', '--json', '--extensions', 'tsx');
    expect(JSON.parse(stdout)).toMatchObject({ scanned: 1, changedFiles: ['src/view.tsx'] });
  });

  it('passes --internal, --builtin, --sort and --tsconfig to the engine', async () => {
    write('tsconfig.paths.json', JSON.stringify({ compilerOptions: { paths: { '@/*': ['./src/*'] } } }));
    write('src/options.ts', "import { x } from '@acme/x';\nimport { db } from '@/db';\nimport zod from 'zod';\nimport { serve } from 'bun';\nimport React from 'react';\n");
    const args = ['import-groups', '--internal', '@acme/', '--builtin', 'bun,bun:*', '--sort', 'alphabetical', '--tsconfig', 'tsconfig.paths.json', 'src/options.ts'];
    expect((await run(...args)).code).toBe(0);
    expect(read('src/options.ts')).toBe(
      "import { serve } from 'bun';\n\nimport React from 'react';\nimport zod from 'zod';\n\nimport { db } from '@/db';\nimport { x } from '@acme/x';\n",
    );
  });

  it('uses the nearest tsconfig.json by default and none with --tsconfig false', async () => {
    write('tsconfig.json', JSON.stringify({ compilerOptions: { paths: { '~/*': ['./src/*'] } } }));
    write('src/alias.ts', "import { db } from '~/db';\nimport React from 'react';\n");
    await run('import-groups', '--dry', '--json', 'src/alias.ts').then(({ stdout }) =>
      expect(JSON.parse(stdout)).toMatchObject({ changed: 1 }),
    );
    await run('import-groups', '--dry', '--json', '--tsconfig', 'false', 'src/alias.ts').then(({ stdout }) =>
      expect(JSON.parse(stdout)).toMatchObject({ changed: 0, unchanged: 1 }),
    );
  });

  const bad: ReadonlyArray<[string, string[]]> = [
    ['an unknown --sort', ['--sort', 'random']],
    ['a path that does not exist', ['missing-folder']],
    ['--jobs 0', ['--jobs', '0']],
    ['an unknown flag', ['--frobnicate']],
    ['an unreadable --tsconfig', ['--tsconfig', 'missing.json']],
    ['an invalid --internal', ['--internal', ',']],
  ];
  for (const [name, args] of bad) {
    it(`exits 2 on ${name}`, async () => {
      const { code, stderr } = await run('import-groups', ...args);
      expect(code).toBe(2);
      expect(stderr).not.toBe('');
      expect(read('src/a.ts')).toBe(UNORDERED);
    });
  }

  it('exits 2 on an unknown codemod', async () => {
    expect((await run('sort-everything')).code).toBe(2);
  });

  it('--help lists every flag and exits 0', async () => {
    const { code, stdout } = await run('import-groups', '--help');
    expect(code).toBe(0);
    for (const flag of ['--dry', '--print', '--json', '--internal', '--tsconfig', '--builtin', '--sort', '--extensions', '--help']) {
      expect(stdout).toContain(flag);
    }
  });

  it('warns on a dirty git tree, not on a clean one, never in a dry run', async () => {
    const git = (...args: string[]): string =>
      execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: root, encoding: 'utf8' });
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'init');
    expect((await run('import-groups', 'src/b.ts')).stderr).toBe('');
    write('src/b.ts', `${ORDERED}// edited\n`);
    expect((await run('import-groups', 'src/b.ts')).stderr).toMatch(/^warning: the git working tree has uncommitted changes/);
    expect((await run('import-groups', '--dry', 'src/b.ts')).stderr).toBe('');
  });

  it('shows a progress bar on a TTY only', async () => {
    let stderr = '';
    const tty = Object.assign(new PassThrough(), { isTTY: true, columns: 80, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
    tty.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await main(['node', 'coder-codemod', 'import-groups', '--dry'], { stdout: { write: () => true }, stderr: tty, cwd: root });
    expect(stderr).toContain('import-groups [');
    expect((await run('import-groups', '--dry')).stderr).not.toContain('import-groups [');
  });
});

describe('coder-codemod as a process, on worker threads', () => {
  it('fixes 100 files in parallel and prints the JSON summary', () => {
    for (let i = 0; i < 100; i++) write(`many/file-${i}.ts`, UNORDERED);
    const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
    const tsx = import.meta.resolve('tsx/esm');
    const result = spawnSync(
      process.execPath,
      ['--conditions=@coder/source', '--import', tsx, cli, 'import-groups', '--json', '--jobs', '2', 'many'],
      { cwd: root, encoding: 'utf8' },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ scanned: 100, changed: 100, failed: 0 });
    expect(read('many/file-42.ts')).toBe(ORDERED);
  });
});
