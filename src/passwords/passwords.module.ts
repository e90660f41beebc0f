import { Module } from '@nestjs/common';
import { PasswordPolicy } from './password-policy.service.js';
import { ConfigurableModuleClass, PASSWORDS_MODULE_OPTIONS } from './passwords.module-definition.js';

/**
 * The password rules ({@link PasswordPolicy}) for sign-up and password changes. Loads the list of
 * refused passwords once, at start-up (about 3.5 MB in memory); a bad option or a missing list
 * file stops the start with a message saying which.
 *
 * @example
 * PasswordsModule.forRoot({ minLength: 12 }) // or forRootAsync({ useFactory, inject })
 */
@Module({
  providers: [PasswordPolicy],
  exports: [PasswordPolicy, PASSWORDS_MODULE_OPTIONS],
})
export class PasswordsModule extends ConfigurableModuleClass {}
