/** One email: plain text plus an HTML alternative. */
export interface Email {
  to: string[];
  subject: string;
  text: string;
  html: string;
}

/**
 * Sends email (SES in AWS, any SMTP server locally). `send` resolves once the service accepted the message
 * for every recipient and throws otherwise; it is not idempotent (a retry may send a second copy), so callers
 * dedupe before sending. The sender address is the adapter's configuration.
 */
export interface Mailer {
  send(email: Email): Promise<void>;
}
