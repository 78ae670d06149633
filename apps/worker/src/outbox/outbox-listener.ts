import { Inject, Injectable, Logger } from '@nestjs/common';
import { Environment } from '@registry/config';
import { Client } from 'pg';

const MAX_BACKOFF_MS = 30_000;
const LISTEN_RETRY_MS = 250;
const LISTENER_NAME = 'trialready-outbox-listener';

/**
 * Tells the outbox relay that events were committed: the outbox trigger's NOTIFY, heard on a connection of
 * its own. Infrastructure, not a repository; abstract, so that a unit test can provide a fake.
 */
export abstract class OutboxListener {
  /** Starts listening; `onNotify` runs on each notification and after each reconnection. */
  abstract listen(onNotify: () => void): Promise<void>;

  abstract close(): Promise<void>;
}

@Injectable()
export class PgOutboxListener extends OutboxListener {
  private readonly logger = new Logger(PgOutboxListener.name);
  private client?: Client;
  private retry?: NodeJS.Timeout;
  private failures = 0;
  private stopped = false;
  private onNotify: () => void = () => undefined;

  constructor(@Inject(Environment) private readonly config: Environment) {
    super();
  }

  listen(onNotify: () => void): Promise<void> {
    this.onNotify = onNotify;
    return this.connect();
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client({
      connectionString: this.config.DATABASE_URL,
      application_name: LISTENER_NAME,
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    client.on('notification', () => this.onNotify());
    this.client = client;
    await client.connect();
    await client.query('LISTEN outbox_event');
    this.failures = 0;
  }

  /**
   * The LISTEN connection dropped (PostgreSQL restarted, the backend was terminated, the network broke):
   * connect again with back-off. The relay's polling covers the gap, and a pass right after reconnecting
   * relays whatever was committed while no NOTIFY could arrive.
   */
  private lost(client: Client, error?: Error): void {
    if (this.stopped || this.client !== client) return; // already handled for this connection
    this.client = undefined;
    client.end().catch(() => undefined);
    const delay = Math.min(MAX_BACKOFF_MS, LISTEN_RETRY_MS * 2 ** this.failures);
    this.failures++;
    if (this.failures === 1 || this.failures % 10 === 0)
      this.logger.warn({
        msg: 'outbox listener lost its connection; reconnecting',
        retryInMs: delay,
        error: error?.message,
      });
    this.retry = setTimeout(() => {
      this.connect().then(
        () => this.onNotify(),
        (reason: Error) => this.lost(this.client ?? client, reason),
      );
    }, delay);
  }
}
