import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { SesMailer } from './ses-mailer';

// SES has no emulator: the SDK client is the external edge, so its requests are what this checks.
describe('SesMailer', () => {
  it('sends a text and HTML message from the configured identity to every recipient', async () => {
    const ses = mockClient(SESv2Client);
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    await new SesMailer(new SESv2Client({ region: 'us-east-1' }), 'ci@example.com').send({
      to: ['a@example.com', 'b@example.com'],
      subject: 'Failed: x',
      text: 'plain',
      html: '<p>html</p>',
    });
    const input = ses.commandCalls(SendEmailCommand)[0].args[0].input;
    expect(input).toEqual({
      FromEmailAddress: 'ci@example.com',
      Destination: { ToAddresses: ['a@example.com', 'b@example.com'] },
      Content: {
        Simple: {
          Subject: { Data: 'Failed: x', Charset: 'UTF-8' },
          Body: { Text: { Data: 'plain', Charset: 'UTF-8' }, Html: { Data: '<p>html</p>', Charset: 'UTF-8' } },
        },
      },
    });
    ses.restore();
  });

  it('fails when SES refuses the message', async () => {
    const ses = mockClient(SESv2Client);
    ses.on(SendEmailCommand).rejects(new Error('Email address is not verified.'));
    await expect(
      new SesMailer(new SESv2Client({ region: 'us-east-1' }), 'ci@example.com').send({ to: ['a@example.com'], subject: 's', text: 't', html: 'h' }),
    ).rejects.toThrow(/not verified/);
    ses.restore();
  });
});
