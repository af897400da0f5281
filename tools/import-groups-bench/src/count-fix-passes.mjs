// Preloaded into the `eslint --fix` process (node --import): counts, per
// file, the fix passes ESLint's own loop makes (Linter#verifyAndFix, at most
// 10), and how many fixable problems are left when it stops. ESLint runs
// unchanged; the counts go to $IMPORT_GROUPS_BENCH_PASSES_OUT at exit.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import process from 'node:process';

// The very Linter module the CLI (process.argv[1], eslint/bin/eslint.js) loads.
const { Linter } = createRequire(process.argv[1])('../lib/api.js');
const { verify, verifyAndFix } = Linter.prototype;
let verifies = 0;
const files = [];

Linter.prototype.verify = function countedVerify(...args) {
  verifies++;
  return verify.apply(this, args);
};

Linter.prototype.verifyAndFix = function countedVerifyAndFix(...args) {
  verifies = 0;
  const result = verifyAndFix.apply(this, args);
  // Each pass verifies once; the last verify finds nothing left to fix (or
  // re-checks after the 10th pass), so passes that changed text = verifies - 1.
  const passes = result.fixed ? verifies - 1 : 0;
  const leftFixable = result.messages.filter((message) => message.fix).length;
  const left = result.messages.filter((message) => !message.fatal).length;
  files.push({ passes, leftFixable, left, fatal: result.messages.some((message) => message.fatal) });
  return result;
};

process.on('exit', () => {
  const out = process.env.IMPORT_GROUPS_BENCH_PASSES_OUT;
  if (out) writeFileSync(out, JSON.stringify(files));
});
