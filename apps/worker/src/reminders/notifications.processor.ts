import { InjectQueue, Processor } from '@nestjs/bullmq';
import {
  JOB_OPTIONS,
  JobName,
  QueueName,
  runSiteRemindersOptions,
  sendEmailDigestJobId,
  sendNotificationEmailJobId,
} from '@registry/jobs';
import { Queue } from 'bullmq';
import { JobHandlers, QueueProcessor } from '../runtime/queue-processor';
import { workerOptions } from '../runtime/worker-options';
import { EmailService } from '../email/email.service';
import { RemindersService } from './reminders.service';

@Processor(QueueName.Notifications, workerOptions({ concurrency: 2 }))
export class NotificationsProcessor extends QueueProcessor {
  constructor(
    private readonly reminders: RemindersService,
    private readonly email: EmailService,
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
      for (const { notificationId } of flags.immediate)
        await this.queue.add(
          JobName.SendNotificationEmail,
          { notificationId },
          {
            ...JOB_OPTIONS[JobName.SendNotificationEmail],
            jobId: sendNotificationEmailJobId(notificationId),
          },
        );
      const due = await this.reminders.dueSiteDays();
      for (const key of due)
        await this.queue.add(JobName.RunSiteReminders, key, runSiteRemindersOptions(key));
      const digests = await this.email.digestsDue();
      for (const { recipientId, forDate } of digests)
        await this.queue.add(
          JobName.SendEmailDigest,
          { recipientId, forDate },
          { ...JOB_OPTIONS[JobName.SendEmailDigest], jobId: sendEmailDigestJobId(recipientId, forDate) },
        );
      return flags.notified > 0 || due.length > 0 || digests.length > 0
        ? {
            status: 'done',
            detail: { flagNotifications: flags.notified, siteDays: due, digests: digests.length },
          }
        : { status: 'skipped', detail: { reason: 'no new flag and no site day due' } };
    },

    /** One site's reminders of one day; a retry or a second run of the day writes nothing twice. */
    [JobName.RunSiteReminders]: async (job) => {
      const outcome = await this.reminders.runSiteDay(job.data);
      return { status: outcome.status === 'done' ? 'done' : 'skipped', detail: { ...outcome } };
    },

    /** One notification e-mailed at once; a transient failure is retried with back-off (JOB_OPTIONS). */
    [JobName.SendNotificationEmail]: (job) => this.email.sendNow(job.data.notificationId),

    /** A user's digest of everything waiting to be e-mailed (one job id per user and day). */
    [JobName.SendEmailDigest]: (job) => this.email.sendDigest(job.data.recipientId),
  };
}
