/**
 * Dependencies in package.json that no file of ours imports, and why each stays: removing one
 * would only show at run time, in a fresh install.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const readJson = (file: string) =>
  JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, string> | undefined>;

describe('dependencies nothing of ours imports', () => {
  it('lodash: @nestjs-modules/mailer requires it in MailerService without declaring it', () => {
    const ours = readJson(fileURLToPath(new URL('../package.json', import.meta.url)));
    // dist/index.js of the mailer: its package.json is one folder up.
    const mailerDir = dirname(dirname(createRequire(import.meta.url).resolve('@nestjs-modules/mailer')));
    const mailer = readJson(join(mailerDir, 'package.json'));
    const service = readFileSync(join(mailerDir, 'dist', 'mailer.service.js'), 'utf8');

    expect(service).toContain('require("lodash")');
    // When this fails, the mailer declares lodash itself: it may then leave our package.json.
    expect({ ...mailer.dependencies, ...mailer.peerDependencies, ...mailer.optionalDependencies }).not.toHaveProperty(
      'lodash',
    );
    expect(ours.dependencies).toHaveProperty('lodash');
  });
});
