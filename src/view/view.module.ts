import { Module } from '@nestjs/common';
import { ConfigurableModuleClass, VIEW_MODULE_OPTIONS } from './view.module-definition.js';
import { PageRenderer } from './page.renderer.js';
import { ViewRenderer } from './view.renderer.js';

/** Compiled Handlebars pages and emails, and the page renderer, shared by every feature. */
@Module({ providers: [ViewRenderer, PageRenderer], exports: [ViewRenderer, PageRenderer, VIEW_MODULE_OPTIONS] })
export class ViewModule extends ConfigurableModuleClass {}
