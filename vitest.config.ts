import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * The end-to-end sign-in suites that run unchanged on a Redis Cluster (they read single keys through
 * `connectTestRedis()`, never SCAN): both sign-in modes, codes, second factors, passkeys, step-up,
 * password reset, sessions and devices, two instances and a burst of sign-ins.
 */
const CLUSTER_SUITES = [
  'test/sign-in.e2e-spec.ts',
  'test/flows-password.e2e-spec.ts',
  'test/step-up.e2e-spec.ts',
  'test/account-sessions.e2e-spec.ts',
  'test/devices.e2e-spec.ts',
  'test/flows-email.e2e-spec.ts',
  'test/email-sign-in.e2e-spec.ts',
  'test/mfa.e2e-spec.ts',
  'test/passkeys.e2e-spec.ts',
  'test/password.e2e-spec.ts',
  'test/security-codes.e2e-spec.ts',
  'test/security-sessions.e2e-spec.ts',
  'test/forms.e2e-spec.ts',
  'test/instances.e2e-spec.ts',
  'test/load.e2e-spec.ts',
];

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
  // src/, so the example host app is tested against the code, not a stale build. The host app is a
  // package of its own (examples/host-app/package.json), so its imports of them are aliased (as
  // `paths` in tsconfig.json does for the type checker).
  resolve: {
    conditions: ['source', ...defaultServerConditions],
    alias: [
      { find: /^nest-mfa-signin$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      {
        find: /^nest-mfa-signin\/testing$/,
        replacement: fileURLToPath(new URL('./src/testing/index.ts', import.meta.url)),
      },
    ],
  },
  ssr: { resolve: { conditions: ['source', ...defaultServerConditions], externalConditions: ['source'] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'default',
          include: ['src/**/*.spec.ts', 'test/**/*.e2e-spec.ts', 'examples/**/*.e2e-spec.ts'],
          globalSetup: ['test/global-setup.ts'],
        },
      },
      {
        // The end-to-end sign-in suites again, on a Redis Cluster (test/cluster-setup.ts).
        extends: true,
        test: {
          name: 'cluster',
          include: CLUSTER_SUITES,
          globalSetup: ['test/global-setup.ts', 'test/cluster-setup.ts'],
        },
      },
    ],
    pool: 'forks',
    maxWorkers: 2, // 2-core machines (CI too)
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
