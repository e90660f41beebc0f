import { ConfigurableModuleBuilder } from '@nestjs/common';

/** Options of {@link ViewModule}. */
export interface ViewModuleOptions {
  /** Folder holding `layouts/`, `partials/`, `pages/` and `emails/` (default: the project's `views/`). */
  viewsDir?: string;
  /** Values every template sees as `@root.site` (e.g. the product name, APP_URL). */
  site?: Record<string, unknown>;
  /** Locale of last resort, whose catalog must hold every key (default `en`). */
  defaultLocale?: string;
}

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN: VIEW_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<ViewModuleOptions>().setClassMethodName('forRoot').build();
