import { JOB_OPTIONS, JOB_SCHEDULES, JobName, QueueName } from '@registry/jobs';
import { SchedulingQueue, syncJobSchedulers } from './job-schedulers';

/** The job schedulers BullMQ keeps on one queue, by id. */
class FakeQueue implements SchedulingQueue {
  readonly schedulers = new Map<string, { repeat: unknown; template: unknown }>();

  upsertJobScheduler: SchedulingQueue['upsertJobScheduler'] = (id, repeat, template) => {
    this.schedulers.set(id, { repeat, template });
    return Promise.resolve(undefined as never);
  };

  getJobSchedulers: SchedulingQueue['getJobSchedulers'] = () =>
    Promise.resolve([...this.schedulers.keys()].map((key) => ({ key }) as never));

  removeJobScheduler: SchedulingQueue['removeJobScheduler'] = (id) =>
    Promise.resolve(this.schedulers.delete(id));
}

function queues() {
  const byName = new Map(Object.values(QueueName).map((name) => [name, new FakeQueue()]));
  return { byName, queueOf: (name: QueueName) => byName.get(name)! };
}

describe('syncJobSchedulers', () => {
  it('registers every schedule on its own queue, by its stable id, with its job’s options', async () => {
    const { byName, queueOf } = queues();

    await syncJobSchedulers(queueOf, () => undefined);

    for (const schedule of JOB_SCHEDULES)
      expect(byName.get(schedule.queue)!.schedulers.get(schedule.schedulerId)).toEqual({
        repeat: schedule.repeat,
        template: { name: schedule.job.name, data: schedule.job.data, opts: JOB_OPTIONS[schedule.job.name] },
      });
    const registered = [...byName.values()].reduce((count, queue) => count + queue.schedulers.size, 0);
    expect(registered).toBe(JOB_SCHEDULES.length);
  });

  it('keeps one scheduler per id however many times a worker boots', async () => {
    const { byName, queueOf } = queues();
    await syncJobSchedulers(queueOf, () => undefined);
    await syncJobSchedulers(queueOf, () => undefined);

    expect([...byName.get(QueueName.Maintenance)!.schedulers.keys()].sort()).toEqual(
      JOB_SCHEDULES.filter((s) => s.queue === QueueName.Maintenance)
        .map((s) => s.schedulerId)
        .sort(),
    );
  });

  it('removes a scheduler a release retired, and reports it', async () => {
    const { byName, queueOf } = queues();
    const retired = 'screening:daily-rescreen:0215utc';
    await byName
      .get(QueueName.Screening)!
      .upsertJobScheduler(retired, { pattern: '15 2 * * *' }, { name: JobName.StartDailyRescreens });
    const reported: unknown[] = [];

    await syncJobSchedulers(queueOf, (removed) => reported.push(removed));

    expect(byName.get(QueueName.Screening)!.schedulers.has(retired)).toBe(false);
    expect(reported).toEqual([{ queue: QueueName.Screening, schedulerId: retired }]);
  });
});
