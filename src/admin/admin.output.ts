/**
 * Where a command's answer goes (stdout for the command line; a test captures it). Logs, the audit
 * lines among them, go to the logger (stderr), so an answer can be piped.
 */
export abstract class AdminOutput {
  /** Writes `text` as it is (callers end their lines). */
  abstract write(text: string): void;
}
