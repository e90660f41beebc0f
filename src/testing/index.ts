/**
 * `nest-mfa-signin/testing`: helpers for a host app's own tests, and the contract suite of every
 * port, so a team can run the same suite against its own store (they use vitest).
 */
export { TestOutbox } from './test-outbox.js';
export { SettableClock } from './settable-clock.js';
export { signIn, totpCode, type AgentLike, type SignInOptions } from './sign-in.js';
export { userStoreContract, type UserStoreFixture } from '../auth/users/user-store.contract.js';
export { otpStoreContract, type OtpStoreFixture } from '../otp/otp-store.contract.js';
export { totpStoreContract } from '../totp/totp-store.contract.js';
export { passkeyStoreContract, type PasskeyStoreFixture } from '../passkeys/passkey-store.contract.js';
export { recoveryCodeStoreContract } from '../recovery-codes/recovery-code-store.contract.js';
export { deviceStoreContract, type DeviceStoreFixture } from '../devices/device-store.contract.js';
export { mailSenderContract, type MailSenderFixture } from '../mail/mail-sender.contract.js';
