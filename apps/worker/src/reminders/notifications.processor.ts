import { InjectQueue, Processor } from '@nestjs/bullmq';
import { JobName, QueueName, runSiteRemindersOptions } from '@registry/jobs';
import { Queue } from 'bullmq';
import { JobHandlers, QueueProcessor } from '../runtime/queue-processor';
import { workerOptions } from '../runtime/worker-options';
import { RemindersService } from './reminders.service';

@Processor(QueueName.Notifications, workerOptions({ concurrency: 2 }))
export class NotificationsProcessor extends QueueProcessor {
  constructor(
    private readonly reminders: RemindersService,
    @InjectQueue(QueueName.Notifications) private readonly queue: Queue,
  ) {
    super();
  }

  readonly handlers: JobHandlers = {
    /**
     * Frequent (see JOB_SCHEDULES): new flags become notifications (and e-mails at once, for who asked), and
     * each site whose reminders of the day are due gets one job for them (one at a time per site and day).
     */
    [JobName.TickReminders]: async () => {
      const flags = await this.reminders.notifyNewFlags();
      const due = await this.reminders.dueSiteDays();
      for (const key of due)
        await this.queue.add(JobName.RunSiteReminders, key, runSiteRemindersOptions(key));
      return flags.notified > 0 || due.length > 0
        ? { status: 'done', detail: { flagNotifications: flags.notified, siteDays: due } }
        : { status: 'skipped', detail: { reason: 'no new flag and no site day due' } };
    },

    /** One site's reminders of one day; a retry or a second run of the day writes nothing twice. */
    [JobName.RunSiteReminders]: async (job) => {
      const outcome = await this.reminders.runSiteDay(job.data);
      return { status: outcome.status === 'done' ? 'done' : 'skipped', detail: { ...outcome } };
    },
  };
}
