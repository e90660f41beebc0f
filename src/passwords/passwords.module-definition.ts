import { ConfigurableModuleBuilder, Inject } from '@nestjs/common';

/** Options of {@link PasswordsModule}; every one has a default. */
export interface PasswordsModuleOptions {
  /**
   * Fewest characters (Unicode code points), default 8: NIST SP 800-63B's minimum for a password used
   * with a second factor (rev. 4 asks 15 for a password that is the only factor).
   */
  minLength?: number;
  /** Most characters (code points), default 256; NIST asks that at least 64 be allowed. */
  maxLength?: number;
  /**
   * Another list of refused passwords, instead of {@link DEFAULT_PASSWORD_LIST_FILE}: a sorted,
   * normalised list as `scripts/build-password-list.mjs` writes it (gzipped or not).
   */
  listFile?: string;
}

/** {@link PasswordsModuleOptions} with the defaults applied. */
export type ResolvedPasswordsOptions = Required<Pick<PasswordsModuleOptions, 'minLength' | 'maxLength'>> &
  Pick<PasswordsModuleOptions, 'listFile'>;

/** The defaults of {@link PasswordsModuleOptions}. */
export const PASSWORDS_DEFAULTS = { minLength: 8, maxLength: 256 } as const;

/**
 * Merges the defaults into `options` and checks them.
 * @throws Error saying which option to change.
 */
export function resolvePasswordsOptions(options: PasswordsModuleOptions = {}): ResolvedPasswordsOptions {
  const minLength = options.minLength ?? PASSWORDS_DEFAULTS.minLength;
  const maxLength = options.maxLength ?? PASSWORDS_DEFAULTS.maxLength;
  if (!Number.isSafeInteger(minLength) || minLength < 1) {
    throw new Error(`PasswordsModule: minLength must be a whole number of at least 1, got ${minLength}`);
  }
  if (!Number.isSafeInteger(maxLength) || maxLength < minLength) {
    throw new Error(
      `PasswordsModule: maxLength must be a whole number of at least minLength (${minLength}), got ${maxLength}`,
    );
  }
  if (options.listFile !== undefined && (typeof options.listFile !== 'string' || !options.listFile)) {
    throw new Error('PasswordsModule: listFile must be the path of a password list file; omit it for the default');
  }
  return { minLength, maxLength, listFile: options.listFile };
}

/**
 * `PasswordsModule.forRoot(options)` / `forRootAsync(...)`, with the extra `isGlobal` (default true).
 * DI errors name the module `Passwords`.
 */
export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN: PASSWORDS_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<PasswordsModuleOptions>({ moduleName: 'Passwords' })
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();

/** Injects the module's options ({@link PasswordsModuleOptions}, as given: no defaults applied). */
export const InjectPasswordsOptions = () => Inject(PASSWORDS_MODULE_OPTIONS);
