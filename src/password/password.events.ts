/** Events of the password feature (payload `{ email }`; never a password). */
export const PasswordEvents = {
  Reset: 'password.reset',
  Changed: 'password.changed',
} as const;
