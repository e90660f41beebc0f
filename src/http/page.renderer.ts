import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CsrfService } from '../security/index.js';
import { ViewRenderer } from '../view/index.js';

/** Page-level data every page template may use. */
export interface PageContext {
  title?: string;
  error?: { error: string; message: string; [k: string]: unknown };
  [k: string]: unknown;
}

/** Renders a page in the main layout with the CSRF token, and sends it uncached. */
@Injectable()
export class PageRenderer {
  constructor(
    protected readonly views: ViewRenderer,
    protected readonly csrf: CsrfService,
  ) {}

  send(req: Request, res: Response, page: string, context: PageContext = {}, status = 200): void {
    res
      .status(status)
      .type('html')
      .setHeader('Cache-Control', 'no-store')
      .send(this.render(req, page, context));
  }

  render(req: Request, page: string, context: PageContext = {}): string {
    return this.views.render(page, { ...context, csrfToken: this.csrf.token(req), path: req.path }, 'layouts/main');
  }
}
