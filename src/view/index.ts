export { ViewModule } from './view.module.js';
export { ViewRenderer, DEFAULT_VIEWS_DIR } from './view.renderer.js';
export type { ViewModuleOptions } from './view.module-definition.js';
export { Translator } from './translator.js';
