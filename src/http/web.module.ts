import { Global, Module } from '@nestjs/common';
import { PageRenderer } from './page.renderer.js';

/** Page rendering shared by the features' controllers and the exception filter. */
@Global()
@Module({ providers: [PageRenderer], exports: [PageRenderer] })
export class WebModule {}
