import { JOB_OPTIONS, JOB_SCHEDULES, QueueName } from '@registry/jobs';
import type { Queue } from 'bullmq';

/** What registering the schedules needs of a BullMQ queue. */
export type SchedulingQueue = Pick<Queue, 'upsertJobScheduler' | 'getJobSchedulers' | 'removeJobScheduler'>;

/**
 * Registers every schedule of JOB_SCHEDULES on its queue and removes from every queue the schedulers no longer
 * there (a schedule retired by a release would fire forever), telling `onRetired` of each as it goes.
 */
export async function syncJobSchedulers(
  queueOf: (name: QueueName) => SchedulingQueue,
  onRetired: (retired: { queue: QueueName; schedulerId: string }) => void,
): Promise<void> {
  for (const schedule of JOB_SCHEDULES) {
    // Upsert by a stable id: restarting or running several workers never creates a second schedule.
    await queueOf(schedule.queue).upsertJobScheduler(schedule.schedulerId, schedule.repeat, {
      name: schedule.job.name,
      data: schedule.job.data,
      opts: JOB_OPTIONS[schedule.job.name],
    });
  }
  const current = new Set<string>(JOB_SCHEDULES.map((schedule) => schedule.schedulerId));
  for (const name of Object.values(QueueName)) {
    const queue = queueOf(name);
    for (const scheduler of await queue.getJobSchedulers()) {
      if (current.has(scheduler.key)) continue;
      await queue.removeJobScheduler(scheduler.key);
      onRetired({ queue: name, schedulerId: scheduler.key });
    }
  }
}
