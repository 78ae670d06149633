import type { DeliverEventJobData } from '@registry/jobs';

/** Something that reacts to a domain event (screening, reminders, webhooks ...). Must be idempotent. */
export interface EventSubscriber {
  readonly name: string;
  readonly topics: readonly string[];
  handle(event: DeliverEventJobData): Promise<void>;
}

/** Injection token for the list of subscribers; each feature module adds its own. */
export const EVENT_SUBSCRIBERS = Symbol('EVENT_SUBSCRIBERS');
