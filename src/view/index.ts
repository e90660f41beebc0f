export { ViewModule } from './view.module.js';
export { ViewRenderer, DEFAULT_VIEWS_DIR, PUBLIC_ASSETS_DIR } from './view.renderer.js';
export { type ViewModuleOptions, VIEW_MODULE_OPTIONS, InjectViewOptions } from './view.module-definition.js';
export { Translator } from './translator.js';
export { PageRenderer, type PageContext } from './page.renderer.js';
