import type SMTPPool from 'nodemailer/lib/smtp-pool';

/**
 * nodemailer options for a pooled SMTP transport from an `smtp(s)://` URL, with timeouts.
 * Query parameters of the URL win over these defaults.
 * - Pooled connections live on (`maxMessages`) instead of reconnecting every 100 mails: a new SMTP
 *   session costs a handshake and the server's greeting delay on the sign-in's critical path.
 * - `maxRequeues: 0`: the pool would otherwise re-send a message up to 5 times by itself when a
 *   connection drops, inside each attempt of `MailDispatcher`, whose retries are the only ones.
 */
export function smtpTransport(url: string): SMTPPool.Options & { url: string } {
  return {
    url,
    pool: true,
    maxConnections: 5,
    maxMessages: Infinity,
    maxRequeues: 0,
    connectionTimeout: 5000,
    greetingTimeout: 5000,
    socketTimeout: 15000,
  };
}
