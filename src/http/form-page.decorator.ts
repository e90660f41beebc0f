import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { RouteMarkGuard } from './route-mark.guard.js';

/** Metadata key of {@link FormPage}. */
export const FORM_PAGE = 'auth:form-page';

/**
 * Names the page (e.g. `pages/sign-in`) that a failed form post re-renders with its error,
 * answering with the error's status. JSON clients get the JSON error instead.
 */
export const FormPage = (page: string) =>
  applyDecorators(SetMetadata(FORM_PAGE, page), UseGuards(new RouteMarkGuard({ formPage: page })));
