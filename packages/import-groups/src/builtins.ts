/**
 * The Node.js built-in modules, as a static list.
 *
 * Why static: the group of an import must not depend on the Node version
 * that happens to run the linter (`node:sqlite` is a built-in on Node 22.5+,
 * `test` is a package on every version). The list is the union of
 * `require('node:module').builtinModules` over Node 18 to 24, and a test
 * checks that it is a superset of the running Node's list.
 *
 * @see https://nodejs.org/api/modules.html#built-in-modules
 */
export const NODE_BUILTINS_VERSION = 'node-18..24';

/** Built-ins that can be imported without the `node:` prefix, with their real subpaths. */
export const NODE_BUILTIN_MODULES: readonly string[] = Object.freeze([
  '_http_agent',
  '_http_client',
  '_http_common',
  '_http_incoming',
  '_http_outgoing',
  '_http_server',
  '_stream_duplex',
  '_stream_passthrough',
  '_stream_readable',
  '_stream_transform',
  '_stream_wrap',
  '_stream_writable',
  '_tls_common',
  '_tls_wrap',
  'assert',
  'assert/strict',
  'async_hooks',
  'buffer',
  'child_process',
  'cluster',
  'console',
  'constants',
  'crypto',
  'dgram',
  'diagnostics_channel',
  'dns',
  'dns/promises',
  'domain',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'inspector',
  'inspector/promises',
  'module',
  'net',
  'os',
  'path',
  'path/posix',
  'path/win32',
  'perf_hooks',
  'process',
  'punycode',
  'querystring',
  'readline',
  'readline/promises',
  'repl',
  'stream',
  'stream/consumers',
  'stream/promises',
  'stream/web',
  'string_decoder',
  'sys',
  'timers',
  'timers/promises',
  'tls',
  'trace_events',
  'tty',
  'url',
  'util',
  'util/types',
  'v8',
  'vm',
  'wasi',
  'worker_threads',
  'zlib',
]);

/**
 * Built-ins that exist only with the `node:` prefix (`test` without it is an
 * npm package). Every `node:` specifier is a built-in anyway; this list is
 * documentation and test data.
 */
export const NODE_PREFIX_ONLY_MODULES: readonly string[] = Object.freeze([
  'node:sea',
  'node:sqlite',
  'node:test',
  'node:test/reporters',
]);

const builtinSet: ReadonlySet<string> = new Set(NODE_BUILTIN_MODULES);

/**
 * Whether `specifier` names a Node.js built-in: any `node:` specifier, or an
 * exact name from {@link NODE_BUILTIN_MODULES}. Never decided by a base name
 * (`util/format-date` is a package) and a trailing slash means a package
 * (`punycode/`).
 *
 * @example
 * isNodeBuiltin('fs/promises'); // true
 * isNodeBuiltin('node:test'); // true
 * isNodeBuiltin('test'); // false
 * isNodeBuiltin('punycode/'); // false
 */
export function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || builtinSet.has(specifier);
}
