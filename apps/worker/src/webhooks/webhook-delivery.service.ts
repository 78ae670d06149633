import { Inject, Injectable } from '@nestjs/common';
import { Environment } from '@registry/config';
import { DEFAULT_WEBHOOK_RETRY_POLICY, nextWebhookAttempt, signWebhook } from '@registry/domain';
import { Transactions, WebhookRepository } from '@registry/persistence';
import { Clock, openSecret } from '@registry/platform';
import { WebhookSender } from './webhook-sender';

/** What sending an organisation's due deliveries came to. */
export interface DrainOutcome {
  delivered: number;
  failed: number;
  parked: number;
  /** When the oldest pending delivery is next due (a retry), if one waits. */
  nextDueAt: Date | null;
}

/** How many deliveries one job sends before handing the worker slot back (another job continues). */
const DELIVERIES_PER_JOB = 50;

/**
 * Sends one organisation's deliveries in the order they were created, one at a time: the oldest pending one
 * is locked, sent and its outcome committed together, so two jobs of the organisation never send at once and
 * a later delivery is never sent before an earlier one that is still being retried. A worker killed after
 * the receiver answered but before the commit sends that message again (the same webhook-id, so receivers
 * deduplicate): at least once, in order.
 */
@Injectable()
export class WebhookDeliveryService {
  constructor(
    private readonly transactions: Transactions,
    private readonly webhooks: WebhookRepository,
    private readonly sender: WebhookSender,
    private readonly clock: Clock,
    @Inject(Environment) private readonly config: Environment,
  ) {}

  async drain(organisationId: string): Promise<DrainOutcome> {
    const outcome: DrainOutcome = { delivered: 0, failed: 0, parked: 0, nextDueAt: null };
    for (let sent = 0; sent < DELIVERIES_PER_JOB; sent++) {
      const step = await this.transactions.run(async (tx) => {
        const head = await this.webhooks.lockOldestPending(tx, organisationId);
        if (!head) return 'none' as const;
        const { delivery } = head;
        if (head.endpointDisabled) {
          await this.webhooks.abandon(tx, delivery.id, 'the endpoint was removed');
          return 'parked' as const;
        }
        const now = this.clock.now();
        if (delivery.nextAttemptAt > now) {
          outcome.nextDueAt = delivery.nextAttemptAt;
          return 'waiting' as const;
        }
        const secrets = [openSecret(head.secretCiphertext, this.config.WEBHOOK_SECRET_KEY)];
        if (
          head.previousSecretCiphertext &&
          head.previousSecretExpiresAt &&
          head.previousSecretExpiresAt > now
        )
          secrets.push(openSecret(head.previousSecretCiphertext, this.config.WEBHOOK_SECRET_KEY));
        const headers = signWebhook(
          { id: delivery.eventId, body: delivery.body, timestamp: Math.floor(now.getTime() / 1000) },
          secrets,
        );
        const result = await this.sender.send(head.url, headers, delivery.body);
        const at = this.clock.now();
        if (result.delivered) {
          await this.webhooks.recordDelivered(tx, delivery.id, result.status, at);
          return 'delivered' as const;
        }
        const next = nextWebhookAttempt(delivery.createdAt, delivery.attempts + 1, at, Math.random(), {
          ...DEFAULT_WEBHOOK_RETRY_POLICY,
          baseDelayMs: this.config.WEBHOOK_RETRY_BASE_MS,
          giveUpAfterHours: this.config.WEBHOOK_GIVE_UP_HOURS,
        });
        await this.webhooks.recordFailure(tx, delivery.id, {
          responseStatus: result.status,
          error: result.error,
          at,
          next,
        });
        if (next === 'park') return 'parked' as const;
        outcome.nextDueAt = next;
        return 'failed' as const;
      });
      if (step === 'none' || step === 'waiting') return outcome;
      if (step === 'delivered') outcome.delivered += 1;
      if (step === 'parked') outcome.parked += 1;
      if (step === 'failed') {
        outcome.failed += 1;
        return outcome;
      }
    }
    // More to send: the job hands its slot back and the next one continues at once.
    outcome.nextDueAt = this.clock.now();
    return outcome;
  }

  organisationsDue(): Promise<string[]> {
    return this.transactions.read((tx) => this.webhooks.organisationsDue(tx, this.clock.now()));
  }
}
