import { Logger } from '@nestjs/common';
import { Environment } from '@registry/config';
import { EventJob, EventTopic, JobName, QueueName, runScreeningJobId } from '@registry/jobs';
import { FixedClock } from '@registry/platform';
import { FakeOutboxRepository, FakeTransactions, isTransaction } from '../../../../test/fakes';
import { OutboxListener } from './outbox-listener';
import { OutboxRelayService } from './outbox-relay.service';
import { RelayQueues } from './relay-queues';

const NOW = '2027-03-14T09:00:00.000Z';

/** What Redis does with a job add: takes it, refuses it (connection closed), or never answers. */
type Redis = 'adds' | 'refuses' | 'hangs';

/** BullMQ's `Queue.add` as the relay uses it: the jobs taken, in order. */
class FakeQueues implements RelayQueues {
  readonly added: EventJob[] = [];
  closed = false;
  redis: (job: EventJob) => Redis = () => 'adds';

  add(job: EventJob): Promise<unknown> {
    switch (this.redis(job)) {
      case 'adds':
        this.added.push(job);
        return Promise.resolve({ id: job.opts.jobId });
      case 'refuses':
        return Promise.reject(new Error('Connection is closed.'));
      case 'hangs':
        return new Promise(() => undefined);
    }
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** The LISTEN connection: the test sends the NOTIFY. */
class FakeListener implements OutboxListener {
  private onNotify?: () => void;
  closed = false;

  listen(onNotify: () => void): Promise<void> {
    this.onNotify = onNotify;
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  notify(): void {
    this.onNotify?.();
  }
}

function setUp(pollIntervalMs = 60_000) {
  const outbox = new FakeOutboxRepository();
  const queues = new FakeQueues();
  const listener = new FakeListener();
  const transactions = new FakeTransactions();
  const clock = new FixedClock(NOW);
  const config = Object.assign(new Environment(), { OUTBOX_POLL_INTERVAL_MS: pollIntervalMs });
  const relay = new OutboxRelayService(transactions, outbox, queues, listener, config, clock);
  return { relay, outbox, queues, listener, transactions, clock };
}

const participantChanged = (participantId: string) => ({ participantId, cause: 'visit.recorded' });
const participantOf = (job: EventJob) => (job.data as { participantId?: string }).participantId;

/** Lets the relay's passes (promise chains, no real waiting in fakes) run until `done` holds. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let turn = 0; turn < 10_000; turn++) {
    if (done()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`never happened: ${what}`);
}

describe('OutboxRelayService', () => {
  let errors: jest.SpyInstance;
  beforeEach(() => {
    errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  describe('a relay pass', () => {
    it('adds each event’s own job straight to its queue and marks the row published at the clock’s time, in one transaction', async () => {
      const { relay, outbox, queues, transactions } = setUp();
      const changed = outbox.add(EventTopic.ParticipantChanged, participantChanged('participant-1'));
      const requested = outbox.add(EventTopic.TrialScreeningRequested, { runId: 'run-1' });

      const pass = await relay.relayBatch();

      expect(pass).toEqual({ claimed: 2, enqueued: 2, retrying: 0, setAside: 0 });
      expect(queues.added).toEqual([
        expect.objectContaining({
          queue: QueueName.Screening,
          name: JobName.ScreenParticipant,
          // The cause and time of the change ride along for the change-to-determination metric.
          data: {
            participantId: 'participant-1',
            cause: 'visit.recorded',
            changedAt: outbox.row(changed).occurredAt.toISOString(),
          },
        }),
        expect.objectContaining({
          queue: QueueName.Screening,
          name: JobName.RunScreening,
          data: { runIds: ['run-1'] },
          opts: expect.objectContaining({ jobId: runScreeningJobId(['run-1']) }),
        }),
      ]);
      for (const id of [changed, requested])
        expect(outbox.row(id)).toMatchObject({
          publishedAt: new Date(NOW),
          publishAttempts: 0,
          failedAt: null,
        });
      expect(transactions.opened).toBe(1);
      // The rows are marked published in the transaction that claimed (and locked) them.
      expect(outbox.publishedOn).toEqual(outbox.claimedOn);
      expect(isTransaction(outbox.claimedOn[0])).toBe(true);
    });

    it('leaves a row whose job Redis refused unpublished and retryable, with the attempt and the error on it', async () => {
      const { relay, outbox, queues } = setUp();
      queues.redis = () => 'refuses';
      const id = outbox.add(EventTopic.ParticipantChanged, participantChanged('participant-1'));

      const pass = await relay.relayBatch();

      expect(pass).toEqual({ claimed: 1, enqueued: 0, retrying: 1, setAside: 0 });
      expect(outbox.row(id)).toMatchObject({
        publishedAt: null,
        failedAt: null,
        publishAttempts: 1,
        lastError: 'Connection is closed.',
      });
    });

    it('records a failure on the rows that failed only: the others of the pass are published, earlier rows untouched', async () => {
      const { relay, outbox, queues } = setUp();
      const earlier = outbox.add(
        EventTopic.ParticipantChanged,
        participantChanged('participant-0'),
        new Date(0),
      );
      const refused = outbox.add(EventTopic.ParticipantChanged, participantChanged('participant-1'));
      const taken = outbox.add(EventTopic.ParticipantChanged, participantChanged('participant-2'));
      queues.redis = (job) => (participantOf(job) === 'participant-1' ? 'refuses' : 'adds');

      const pass = await relay.relayBatch();

      expect(pass).toEqual({ claimed: 2, enqueued: 1, retrying: 1, setAside: 0 });
      expect(outbox.row(refused)).toMatchObject({ publishedAt: null, publishAttempts: 1 });
      expect(outbox.row(taken)).toMatchObject({
        publishedAt: new Date(NOW),
        publishAttempts: 0,
        lastError: null,
      });
      expect(outbox.row(earlier)).toMatchObject({
        publishedAt: new Date(0),
        publishAttempts: 0,
        lastError: null,
      });
      expect(queues.added.map(participantOf)).toEqual(['participant-2']);
    });

    it('counts an add that does not finish within 2 seconds as a failure on its row, so the pass does not hold its locks while Redis is away', async () => {
      jest.useFakeTimers({ now: new Date(NOW) });
      const { relay, outbox, queues } = setUp();
      queues.redis = () => 'hangs';
      const id = outbox.add(EventTopic.ParticipantChanged, participantChanged('participant-1'));

      const relaying = relay.relayBatch();
      await jest.advanceTimersByTimeAsync(2000);
      const pass = await relaying;

      expect(pass).toEqual({ claimed: 1, enqueued: 0, retrying: 1, setAside: 0 });
      expect(outbox.row(id)).toMatchObject({
        publishedAt: null,
        failedAt: null,
        publishAttempts: 1,
        lastError: 'adding the job did not finish within 2000 ms (is Redis reachable?)',
      });
    });

    it('sets an event of an unknown topic aside with failed_at, adds no job for it, and logs its id and topic but not its payload', async () => {
      const { relay, outbox, queues } = setUp();
      const unknown = outbox.add('participant.archived', participantChanged('participant-secret'));
      const known = outbox.add(EventTopic.ParticipantChanged, participantChanged('participant-2'));

      const pass = await relay.relayBatch();

      expect(pass).toEqual({ claimed: 2, enqueued: 1, retrying: 0, setAside: 1 });
      expect(outbox.row(unknown)).toMatchObject({
        publishedAt: null,
        failedAt: new Date(NOW),
        publishAttempts: 1,
        lastError: 'no job handles the event topic "participant.archived"',
      });
      expect(outbox.row(known).publishedAt).toEqual(new Date(NOW));
      expect(queues.added.map(participantOf)).toEqual(['participant-2']);
      expect(errors).toHaveBeenCalledTimes(1);
      expect(errors.mock.calls[0][0]).toMatchObject({ outboxId: unknown, topic: 'participant.archived' });
      expect(JSON.stringify(errors.mock.calls)).not.toContain('participant-secret');
    });

    it('sets aside an event whose payload lacks the ids its job needs', async () => {
      const { relay, outbox, queues } = setUp();
      const id = outbox.add(EventTopic.TrialScreeningRequested, { cause: 'no run id' });

      expect(await relay.relayBatch()).toEqual({ claimed: 1, enqueued: 0, retrying: 0, setAside: 1 });
      expect(outbox.row(id)).toMatchObject({
        failedAt: new Date(NOW),
        lastError: 'the payload of "trial.screening_requested" lacks the ids its job needs',
      });
      expect(queues.added).toEqual([]);
    });

    it('does not claim again a row that was published or set aside', async () => {
      const { relay, outbox, queues } = setUp();
      outbox.add('participant.archived', participantChanged('participant-1'));
      outbox.add(EventTopic.ParticipantChanged, participantChanged('participant-2'));
      await relay.relayBatch();

      expect(await relay.relayBatch()).toEqual({ claimed: 0, enqueued: 0, retrying: 0, setAside: 0 });
      expect(queues.added).toHaveLength(1);
      expect(outbox.rows.map((row) => row.publishAttempts)).toEqual([1, 0]);
    });
  });

  describe('running', () => {
    it('relays everything waiting when it starts, in batches of 200 rows per transaction', async () => {
      const { relay, outbox, queues, transactions } = setUp();
      for (let n = 0; n < 450; n++)
        outbox.add(EventTopic.ParticipantChanged, participantChanged(`participant-${n}`));

      await relay.onApplicationBootstrap();
      await until(() => outbox.rows.every((row) => row.publishedAt !== null), 'every row published');
      await relay.onApplicationShutdown();

      expect(queues.added).toHaveLength(450);
      expect(transactions.opened).toBe(3); // 200 + 200 + 50: a short batch ends the drain
    });

    it('relays an event committed later as soon as the NOTIFY arrives, without waiting for the next poll', async () => {
      const { relay, outbox, listener } = setUp(3_600_000);
      await relay.onApplicationBootstrap();
      const id = outbox.add(EventTopic.ParticipantChanged, participantChanged('participant-1'));

      listener.notify();
      await until(() => outbox.row(id).publishedAt !== null, 'the row published');
      await relay.onApplicationShutdown();
    });

    it('keeps a row whose job could not be added and relays it once Redis is back', async () => {
      const { relay, outbox, queues } = setUp(1);
      queues.redis = () => 'refuses';
      const id = outbox.add(EventTopic.ParticipantChanged, participantChanged('participant-1'));

      await relay.onApplicationBootstrap();
      await until(() => outbox.row(id).publishAttempts >= 2, 'a retry');
      expect(outbox.row(id).publishedAt).toBeNull();
      queues.redis = () => 'adds';
      await until(() => outbox.row(id).publishedAt !== null, 'the row published');
      await relay.onApplicationShutdown();

      expect(queues.added.map(participantOf)).toEqual(['participant-1']);
      expect(outbox.row(id).failedAt).toBeNull();
    });

    it('at shutdown closes its listener and queues, and a later NOTIFY relays nothing', async () => {
      const { relay, outbox, queues, listener } = setUp();
      await relay.onApplicationBootstrap();
      await relay.onApplicationShutdown();
      expect(listener.closed).toBe(true);
      expect(queues.closed).toBe(true);

      const id = outbox.add(EventTopic.ParticipantChanged, participantChanged('participant-1'));
      listener.notify();
      await new Promise((resolve) => setImmediate(resolve));
      expect(outbox.row(id).publishedAt).toBeNull();
      expect(queues.added).toEqual([]);
    });
  });
});
