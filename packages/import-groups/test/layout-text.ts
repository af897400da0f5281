/**
 * Layout tests make whitespace visible. A text is written one line per `|`
 * margin line; the `|` and everything before it is dropped, every line ends
 * with `\n` (with `<CR>` before the end of a line standing for `\r`), a line
 * ending in `<EOF>` has no line break, `<BOM>` is U+FEFF and `<TAB>` a tab.
 *
 * @example
 * text`
 *   |import fs from 'node:fs';<CR>
 *   |<CR>
 *   |import a from './a';<EOF>
 * `; // "import fs from 'node:fs';\r\n\r\nimport a from './a';"
 */
export function text(strings: TemplateStringsArray, ...values: unknown[]): string {
  const raw = String.raw({ raw: strings }, ...values);
  let out = '';
  for (const line of raw.split('\n')) {
    const bar = line.indexOf('|');
    if (bar === -1) {
      if (line.trim() !== '') throw new Error(`layout line without a | margin: ${JSON.stringify(line)}`);
      continue;
    }
    let content = line.slice(bar + 1);
    const eof = content.endsWith('<EOF>');
    if (eof) content = content.slice(0, -'<EOF>'.length);
    content = content.replaceAll('<CR>', '\r').replaceAll('<BOM>', '\uFEFF').replaceAll('<TAB>', '\t');
    out += eof ? content : `${content}\n`;
  }
  return out;
}

/** The inverse of {@link text}, for readable failure messages and snapshots. */
export function show(value: string): string {
  const lines = value.split('\n');
  const last = lines.pop() ?? '';
  const shown = lines.map((line) => `|${visible(line)}`);
  if (last !== '') shown.push(`|${visible(last)}<EOF>`);
  return shown.join('\n');
}

function visible(line: string): string {
  return line.replaceAll('\r', '<CR>').replaceAll('\uFEFF', '<BOM>').replaceAll('\t', '<TAB>');
}
