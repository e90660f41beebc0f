import { SetMetadata } from '@nestjs/common';

/** Metadata keys of {@link RequireAal} and {@link FreshAuth}. */
export const REQUIRE_AAL = 'auth:require-aal';
export const FRESH_AUTH = 'auth:fresh-auth';

/**
 * The route needs a session at this authenticator assurance level (NIST SP 800-63B), checked by
 * `AuthGuard`: `@RequireAal(2)` needs two distinct factors. Failing it: JSON 401
 * `step_up_required` with `factors`; a page goes through the second factor and comes back.
 */
export const RequireAal = (level: 1 | 2) => SetMetadata(REQUIRE_AAL, level);

/**
 * The route needs a sign-in (or step-up) at most `maxAgeSeconds` old, checked by `AuthGuard`
 * against the session's `authTime`. Failing it: as {@link RequireAal}.
 * @example `@FreshAuth(300)` on removing an authenticator app.
 */
export const FreshAuth = (maxAgeSeconds: number) => SetMetadata(FRESH_AUTH, maxAgeSeconds);
