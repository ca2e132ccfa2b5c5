import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { Email, Mailer } from '../../ports/mailer';
import { clientOf, sdk, type ClientSource } from './lazy-sdk';

/** Email through Amazon SES (v2 `SendEmail`) from a verified identity. */
export class SesMailer implements Mailer {
  private readonly client: () => SESv2Client;

  constructor(
    client: ClientSource<SESv2Client>,
    private readonly from: string,
  ) {
    this.client = clientOf(client);
  }

  async send(email: Email): Promise<void> {
    const { SendEmailCommand } = sdk.sesv2();
    await this.client().send(
      new SendEmailCommand({
        FromEmailAddress: this.from,
        Destination: { ToAddresses: email.to },
        Content: {
          Simple: {
            Subject: { Data: email.subject, Charset: 'UTF-8' },
            Body: { Text: { Data: email.text, Charset: 'UTF-8' }, Html: { Data: email.html, Charset: 'UTF-8' } },
          },
        },
      }),
    );
  }
}
