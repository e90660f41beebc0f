import { SetMetadata } from '@nestjs/common';

/** Metadata key of {@link Public}. */
export const IS_PUBLIC = 'http:public';

/**
 * Marks a route (or a controller) open to everyone: `AuthGuard`, when registered globally
 * (`APP_GUARD`), lets it through without a session.
 */
export const Public = () => SetMetadata(IS_PUBLIC, true);
