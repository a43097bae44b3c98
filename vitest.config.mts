import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// Tests import libs from their sources (no build needed for unit tests); SWC keeps decorator
// metadata, which Nest's dependency injection and MikroORM's entity discovery rely on.
const root = dirname(fileURLToPath(import.meta.url));
const libs = ['config', 'domain', 'persistence', 'queues', 'mail', 'runtime', 'testing'];

export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: {
    alias: Object.fromEntries(libs.map((lib) => [`@twe/${lib}`, resolve(root, `libs/${lib}/src/index.ts`)])),
  },
  test: {
    include: ['apps/**/*.spec.ts', 'libs/**/*.spec.ts', 'tools/**/*.spec.ts', 'test/**/*.spec.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
    globalSetup: ['libs/testing/src/global-setup.ts'],
  },
});
