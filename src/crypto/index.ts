export {
  SecretBox,
  SecretBoxError,
  generateKeyRing,
  parseKeyRing,
  type KeyRing,
  type SecretBoxFailure,
} from './secret-box.js';
