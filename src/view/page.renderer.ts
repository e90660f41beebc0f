import { Injectable, Optional } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CsrfService } from '../security/index.js';
import { ViewRenderer } from './view.renderer.js';

/** Page-level data every page template may use. */
export interface PageContext {
  title?: string;
  /** False for pages without a form (error pages): no CSRF token, so no cookie is set for them. */
  form?: boolean;
  error?: { error: string; message: string; [k: string]: unknown };
  [k: string]: unknown;
}

/**
 * Renders a page in the main layout, in the reader's language, with the CSRF token (when the app
 * has `SecurityModule`; its cookie goes with the answer when new), and sends it uncached. Rendering
 * writes nothing to the session: a new visitor's page view stores nothing.
 */
@Injectable()
export class PageRenderer {
  constructor(
    protected readonly views: ViewRenderer,
    @Optional() protected readonly csrf?: CsrfService,
  ) {}

  send(req: Request, res: Response, page: string, context: PageContext = {}, status = 200): void {
    const html = this.render(req, page, context);
    // What `res.send` does for an uncached string, without its ETag and content-type parsing.
    res.statusCode = status;
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Vary', 'Accept, Accept-Language, Cookie');
    res.setHeader('Content-Length', Buffer.byteLength(html));
    res.end(html);
  }

  render(req: Request, page: string, context: PageContext = {}): string {
    const locale = this.views.i18n.negotiate(req);
    return this.views.render(
      page,
      {
        ...context,
        locale,
        csrfToken: context.form === false ? undefined : this.csrf?.token(req),
        path: req.path,
        // The page's name (`sign-in`, `verify`, ...): the layout titles the page from it, in the reader's language.
        view: page.replace(/^pages\//, ''),
        // The few messages the page script shows by itself (countdowns, inline errors).
        clientMessages: this.views.i18n.pick(locale, ['error.', 'verify.', 'passkey.']),
      },
      'layouts/main',
    );
  }
}
