/**
 * An admin command that could not do what it was asked, with the exit code to end with:
 * 1 the action failed or did not apply (an unknown job, Redis away), 2 the command line or the
 * configuration is wrong. Its message is printed as it is; never a stack trace.
 */
export class AdminCommandError extends Error {
  override name = 'AdminCommandError';

  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}
