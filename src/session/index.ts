import './session.types.js';
export { SessionModule } from './session.module.js';
export {
  type SessionModuleOptions,
  SESSION_MODULE_OPTIONS,
  InjectSessionOptions,
} from './session.module-definition.js';
export { SessionMiddleware } from './session.middleware.js';
export { SessionService } from './session.service.js';
export type { SessionUser, PendingChallenge } from './session.types.js';
export { RedisSessionStore, wasLoaded } from './redis-session.store.js';
