import type { ViteUserConfig } from 'vitest/config';

// Vite's default server conditions, plus ours first: workspace packages then
// resolve to their TypeScript sources, so tests never wait for (or run
// against a stale) `dist/`.
const conditions = ['@coder/source', 'module', 'node', 'development|production'];

/** Test settings every package shares. */
export const sharedTestConfig: ViteUserConfig = {
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
};
