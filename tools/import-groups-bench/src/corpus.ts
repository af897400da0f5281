import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Copies of rxjs's sources in one corpus (8 × 251 = 2,008 files). */
export const DEFAULT_COPIES = 8;

/** A corpus on disk: a pristine folder to copy from for each run that writes. */
export interface Corpus {
  /** Parent of the pristine corpus and of every working copy; removed by {@link Corpus.dispose}. */
  readonly root: string;
  readonly pristine: string;
  /** The `.ts` files of one copy of the corpus. */
  readonly files: number;
  /** A fresh copy of the pristine corpus, for a run that writes. */
  fresh(name: string): string;
  dispose(): void;
}

/**
 * The real TypeScript sources rxjs ships in its npm package (`src/`),
 * copied `copies` times into a temporary folder: about 250 files a copy.
 *
 * @example
 * const corpus = createCorpus(1);
 * corpus.files; // 251
 * corpus.dispose();
 */
export function createCorpus(copies: number = DEFAULT_COPIES): Corpus {
  const source = path.join(path.dirname(createRequire(import.meta.url).resolve('rxjs/package.json')), 'src');
  const root = mkdtempSync(path.join(tmpdir(), 'import-groups-bench-'));
  const pristine = path.join(root, 'pristine');
  for (let i = 1; i <= copies; i++) {
    cpSync(source, path.join(pristine, `copy-${i}`), { recursive: true, dereference: true });
  }
  const files = listTs(pristine).length;
  return {
    root,
    pristine,
    files,
    fresh(name) {
      const target = path.join(root, name);
      rmSync(target, { recursive: true, force: true });
      mkdirSync(target);
      cpSync(pristine, target, { recursive: true });
      return target;
    },
    dispose() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Every `.ts` file below `directory`, sorted. */
export function listTs(directory: string): string[] {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

/** The text of every `.ts` file below `directory`, by path relative to it. */
export function snapshot(directory: string): Map<string, string> {
  return new Map(listTs(directory).map((file) => [path.relative(directory, file), readFileSync(file, 'utf8')]));
}

/** How many files differ between two snapshots of the same corpus. */
export function changedFiles(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): number {
  let changed = 0;
  for (const [file, text] of after) if (before.get(file) !== text) changed++;
  return changed;
}
