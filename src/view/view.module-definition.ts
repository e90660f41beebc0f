import { ConfigurableModuleBuilder, Inject } from '@nestjs/common';

/** Options of {@link ViewModule}. */
export interface ViewModuleOptions {
  /** Folder holding `layouts/`, `partials/`, `pages/` and `emails/` (default: the project's `views/`). */
  viewsDir?: string;
  /**
   * Folders laid over `viewsDir`, in order: a template, partial or catalog message found in one
   * replaces the one of the same name below it. A host app keeps only what it changes
   * (e.g. `pages/home.hbs`, `emails/code.html.hbs`, `locales/en.json` with a few keys) and gets
   * every other template, and every later change of them, from the package.
   */
  overrides?: string[];
  /** Values every template sees as `@root.site` (e.g. the product name, APP_URL). */
  site?: Record<string, unknown>;
  /** Locale of last resort, whose catalog must hold every key (default `en`). */
  defaultLocale?: string;
}

/**
 * `ViewModule.forRoot(options)` / `forRootAsync({ useFactory, inject, imports })`, with the extra
 * `isGlobal` (default true: one app-wide instance every other module can use; false keeps it to the
 * importing module). DI errors name the module `View`.
 */
export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN: VIEW_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<ViewModuleOptions>({ moduleName: 'View' })
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();

/** Injects the module's options ({@link ViewModuleOptions}), e.g. in a host app's own guard. */
export const InjectViewOptions = () => Inject(VIEW_MODULE_OPTIONS);
