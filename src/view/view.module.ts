import { Global, Module } from '@nestjs/common';
import { ConfigurableModuleClass } from './view.module-definition.js';
import { ViewRenderer } from './view.renderer.js';

/** Compiled Handlebars pages and emails, shared by every feature. */
@Global()
@Module({ providers: [ViewRenderer], exports: [ViewRenderer] })
export class ViewModule extends ConfigurableModuleClass {}
