import swc from 'unplugin-swc';
import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // SWC instead of esbuild/oxc: NestJS DI needs `design:paramtypes` decorator metadata.
  plugins: [
    swc.vite({
      module: { type: 'es6' },
      jsc: {
        target: 'es2023',
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
        keepClassNames: true,
      },
    }),
  ],
  // `source`: the package's own entries (`nest-mfa-signin`, `nest-mfa-signin/testing`) resolve to
  // src/, so the example host app is tested against the code, not a stale build.
  resolve: { conditions: ['source', ...defaultServerConditions] },
  ssr: { resolve: { conditions: ['source', ...defaultServerConditions], externalConditions: ['source'] } },
  test: {
    include: ['src/**/*.spec.ts', 'test/**/*.e2e-spec.ts', 'examples/**/*.e2e-spec.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2, // 2-core machines (CI too)
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
