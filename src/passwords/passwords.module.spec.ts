import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_PASSWORD_LIST_FILE,
  PASSWORDS_MODULE_OPTIONS,
  PasswordPolicy,
  PasswordsModule,
  type PasswordsModuleOptions,
} from './index.js';
import { ValidationFailedError } from '../http/index.js';

const compile = (imports: Parameters<typeof Test.createTestingModule>[0]['imports']) =>
  Test.createTestingModule({ imports }).compile();

describe('PasswordsModule', () => {
  const dir = mkdtempSync(join(tmpdir(), 'passwords-module-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives a PasswordPolicy with the defaults and the shipped list', async () => {
    const app = await compile([PasswordsModule.forRoot({})]);
    const policy = app.get(PasswordPolicy);
    expect([policy.minLength, policy.maxLength]).toEqual([8, 256]);
    expect(policy.listSize).toBeGreaterThanOrEqual(100_000);
    expect(app.get(PASSWORDS_MODULE_OPTIONS)).toEqual({});
    await app.close();
  });

  it('takes options from forRootAsync, including another list file', async () => {
    const listFile = join(dir, 'house-words.txt');
    writeFileSync(listFile, 'acme-rocket-2024\nacmerockets\n');
    const app = await compile([
      PasswordsModule.forRootAsync({
        useFactory: (): PasswordsModuleOptions => ({ minLength: 12, maxLength: 64, listFile }),
      }),
    ]);
    const policy = app.get(PasswordPolicy);
    expect([policy.minLength, policy.maxLength, policy.listSize]).toEqual([12, 64, 2]);
    expect(policy.check('ACME-rocket-2024')).toEqual(['The password is one of the most common passwords.']);
    // Only the given list counts.
    expect(policy.isCommon('password')).toBe(false);
    await app.close();
  });

  it('is global unless told otherwise', () => {
    expect(PasswordsModule.forRoot({}).global).toBe(true);
    expect(PasswordsModule.forRoot({ isGlobal: false }).global).toBe(false);
  });

  it.each([
    [{ minLength: 0 }, 'PasswordsModule: minLength must be a whole number of at least 1, got 0'],
    [{ minLength: 8.5 }, 'minLength must be a whole number'],
    [{ minLength: 20, maxLength: 10 }, 'maxLength must be a whole number of at least minLength (20), got 10'],
    [{ listFile: '' }, 'listFile must be the path of a password list file'],
    [{ listFile: '/nonexistent/list.txt' }, 'Cannot read the password list /nonexistent/list.txt'],
  ])('refuses to start with %o', async (options, message) => {
    await expect(compile([PasswordsModule.forRoot(options)])).rejects.toThrow(message);
  });

  it('finds the shipped list from the package root, as the compiled dist/passwords does', () => {
    expect(DEFAULT_PASSWORD_LIST_FILE).toMatch(/[/\\]src[/\\]passwords[/\\]data[/\\]common-passwords\.txt\.gz$/);
    expect(existsSync(DEFAULT_PASSWORD_LIST_FILE)).toBe(true);
  });
});

describe('PasswordsModule, as the README shows it', () => {
  @Injectable()
  class SignUp {
    constructor(protected readonly passwords: PasswordPolicy) {}

    register(body: { email: string; password: string }): void {
      const problems = this.passwords.check(body.password, body.email);
      if (problems.length) throw new ValidationFailedError([{ field: 'password', problems }]); // 400 validation_failed
    }
  }

  it('throws the problems as the details of a 400 validation_failed', async () => {
    const app = await Test.createTestingModule({
      imports: [PasswordsModule.forRoot({ minLength: 8 })],
      providers: [SignUp],
    }).compile();
    const signUp = app.get(SignUp);
    const details = (password: string) => {
      try {
        signUp.register({ email: 'erin@example.com', password });
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationFailedError);
        return (error as ValidationFailedError).details;
      }
      return [];
    };
    expect(details('mossy lantern harbour')).toEqual([]);
    expect(details('Erin2024!')).toEqual([
      { field: 'password', problems: ["The password contains your email's name."] },
    ]);
    expect(details('iloveyou')).toEqual([
      { field: 'password', problems: ['The password is one of the most common passwords.'] },
    ]);
    await app.close();
  });
});
