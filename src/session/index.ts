import './session.types.js';
export { SessionModule } from './session.module.js';
export {
  type SessionModuleOptions,
  SESSION_MODULE_OPTIONS,
  InjectSessionOptions,
} from './session.module-definition.js';
export { SessionMiddleware } from './session.middleware.js';
export { SessionService, type OwnedSession } from './session.service.js';
export { SessionIndex, RedisSessionIndex, MemorySessionIndex } from './session-index.js';
export { IndexedMemoryStore } from './indexed-memory.store.js';
export { SessionHandle, CurrentSession } from './session-handle.js';
export { SessionFields, type FieldCheck } from './session-fields.js';
export { isInUse, isObject, isStrings, isTime, isSessionRecord } from './session-record.js';
export { RedisSessionStore, type StoredSession, wasLoaded } from './redis-session.store.js';
