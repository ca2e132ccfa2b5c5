import type { Transporter } from 'nodemailer';
import type { Email, Mailer } from '../../ports/mailer';

/** Email through any SMTP server (`smtp://user:pass@host:port`, `smtps://...`), with nodemailer. */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(
    url: string,
    private readonly from: string,
  ) {
    // Loaded on use: SMTP is local mode's, so the Lambda bundles leave nodemailer out (external) and stay small.
    const { createTransport } = require('nodemailer') as typeof import('nodemailer');
    this.transport = createTransport(url);
  }

  async send(email: Email): Promise<void> {
    const info = await this.transport.sendMail({ from: this.from, to: email.to, subject: email.subject, text: email.text, html: email.html });
    if (info.rejected?.length) throw new Error(`The SMTP server refused ${info.rejected.length} recipient(s) of "${email.subject}".`);
  }
}
