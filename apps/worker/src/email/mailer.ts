import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Environment } from '@registry/config';
import type { EmailContent } from '@registry/domain';
import { createTransport, Transporter } from 'nodemailer';

/** One e-mail to one address. */
export interface OutgoingEmail extends EmailContent {
  to: string;
}

/** Where e-mail goes. Abstract, so that a unit test can provide a fake. */
export abstract class Mailer {
  /** Whether e-mail is configured at all (SMTP_URL set). */
  abstract readonly enabled: boolean;
  /** Sends, or throws: a `MailRefused` when the server refused the message for good. */
  abstract send(email: OutgoingEmail): Promise<void>;
}

/** The server refused the message permanently (an SMTP 5xx reply): retrying would not help. */
export class MailRefused extends Error {
  constructor(readonly responseCode: number) {
    super(`the SMTP server refused the message (${responseCode})`);
  }
}

/** How long the SMTP server may take to accept a connection, to greet, and to answer each command. */
const SMTP_TIMEOUTS_MS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/** SMTP through Nodemailer, from SMTP_URL and SMTP_FROM (off when SMTP_URL is unset). */
@Injectable()
export class SmtpMailer extends Mailer implements OnApplicationShutdown {
  private readonly transport: Transporter | null;

  constructor(@Inject(Environment) private readonly config: Environment) {
    super();
    // Bounded waits (Nodemailer's defaults are 2 minutes to connect and 10 of silence): a delivery holds its
    // recipient's lock and a transaction open while the server answers (EmailService).
    this.transport = config.SMTP_URL ? createTransport({ url: config.SMTP_URL, ...SMTP_TIMEOUTS_MS }) : null;
  }

  get enabled(): boolean {
    return this.transport !== null;
  }

  async send(email: OutgoingEmail): Promise<void> {
    if (!this.transport) throw new Error('e-mail is off (SMTP_URL is not set)');
    try {
      await this.transport.sendMail({
        from: this.config.SMTP_FROM,
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
      });
    } catch (error) {
      const code = (error as { responseCode?: unknown }).responseCode;
      if (typeof code === 'number' && code >= 500 && code < 600) throw new MailRefused(code);
      throw error;
    }
  }

  onApplicationShutdown(): void {
    this.transport?.close();
  }
}
