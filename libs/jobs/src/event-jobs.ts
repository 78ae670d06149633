import type { JobsOptions } from 'bullmq';
import { EventPayloadByTopic, EventTopic } from './events';
import {
  JOB_OPTIONS,
  JobDataByName,
  JobName,
  QUEUE_OF_JOB,
  QueueName,
  deliverWebhooksOptions,
  runScreeningJobId,
  screenParticipantOptions,
} from './queues';

/** The job an event becomes: the relay adds exactly this to exactly this queue. */
export type EventJob = {
  [N in JobName]: { queue: QueueName; name: N; data: JobDataByName[N]; opts: JobsOptions };
}[JobName];

/** An outbox row that no relay pass can ever turn into a job: an unknown topic or an unreadable payload. */
export class UnroutableEventError extends Error {}

interface EventRoute<T extends EventTopic> {
  /** The payload as written by `publishEvent`, or null when the stored JSON does not have its shape. */
  read(payload: Record<string, unknown>): EventPayloadByTopic[T] | null;
  /**
   * The job, with a deterministic job id or deduplication id: relaying one row twice (a crash between the add
   * and the commit of `published_at`) adds one job while BullMQ still holds the first.
   */
  job(payload: EventPayloadByTopic[T], occurredAt?: Date): EventJob;
}

const isId = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

function eventJob<N extends JobName>(name: N, data: JobDataByName[N], opts: JobsOptions): EventJob {
  return { queue: QUEUE_OF_JOB[name], name, data, opts } as EventJob;
}

const runScreening = (runIds: string[]): EventJob =>
  eventJob(
    JobName.RunScreening,
    { runIds },
    { ...JOB_OPTIONS[JobName.RunScreening], jobId: runScreeningJobId(runIds) },
  );

/** Every topic and the one job that handles it. A topic missing here does not compile. */
const EVENT_ROUTES: { [T in EventTopic]: EventRoute<T> } = {
  [EventTopic.ParticipantChanged]: {
    read: ({ participantId, cause }) =>
      isId(participantId) ? { participantId, cause: typeof cause === 'string' ? cause : '' } : null,
    job: ({ participantId, cause }, occurredAt) =>
      eventJob(
        JobName.ScreenParticipant,
        occurredAt ? { participantId, cause, changedAt: occurredAt.toISOString() } : { participantId },
        screenParticipantOptions(participantId),
      ),
  },
  [EventTopic.TrialScreeningRequested]: {
    read: ({ runId }) => (isId(runId) ? { runId } : null),
    job: ({ runId }) => runScreening([runId]),
  },
  [EventTopic.DailyRescreenStarted]: {
    read: ({ runIds }) =>
      Array.isArray(runIds) && runIds.length > 0 && runIds.every(isId)
        ? { runIds: [...runIds].sort() }
        : null,
    job: ({ runIds }) => runScreening(runIds),
  },
  [EventTopic.WebhookDeliveriesCreated]: {
    read: ({ organisationId }) => (isId(organisationId) ? { organisationId } : null),
    job: ({ organisationId }) =>
      eventJob(JobName.DeliverWebhooks, { organisationId }, deliverWebhooksOptions(organisationId)),
  },
};

const isTopic = (topic: string): topic is EventTopic => Object.hasOwn(EVENT_ROUTES, topic);

/**
 * The job that handles an outbox event. Throws `UnroutableEventError` for a topic no job handles or a payload
 * without the fields its job needs: such a row is a bug to look at, never guessed into some other work.
 */
export function jobForEvent(topic: string, payload: Record<string, unknown>, occurredAt?: Date): EventJob {
  if (!isTopic(topic)) throw new UnroutableEventError(`no job handles the event topic "${topic}"`);
  const route = EVENT_ROUTES[topic] as EventRoute<EventTopic>;
  const read = route.read(payload);
  if (read === null) throw new UnroutableEventError(`the payload of "${topic}" lacks the ids its job needs`);
  return route.job(read, occurredAt);
}
