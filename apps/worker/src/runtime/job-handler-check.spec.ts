import { JobName, QueueName } from '@registry/jobs';
import { findJobHandlerProblems } from './job-handler-check';

const everyJobHandledOnce = () => [
  {
    processor: 'MaintenanceProcessor',
    queue: QueueName.Maintenance,
    jobNames: [JobName.PruneOutbox, JobName.WriteAuditCheckpoint],
  },
  {
    processor: 'ScreeningProcessor',
    queue: QueueName.Screening,
    jobNames: [
      JobName.ScreenParticipant,
      JobName.RunScreening,
      JobName.RunScreeningPartition,
      JobName.StartDailyRescreens,
    ],
  },
  {
    processor: 'WebhookProcessor',
    queue: QueueName.Webhooks,
    jobNames: [JobName.DeliverWebhooks, JobName.SweepWebhooks],
  },
  {
    processor: 'NotificationsProcessor',
    queue: QueueName.Notifications,
    jobNames: [
      JobName.TickReminders,
      JobName.RunSiteReminders,
      JobName.SendNotificationEmail,
      JobName.SendEmailDigest,
    ],
  },
  {
    processor: 'WebhookReportsProcessor',
    queue: QueueName.SponsorReports,
    jobNames: [JobName.TickWebhookReports, JobName.ReportTrialWebhook],
  },
];

describe('findJobHandlerProblems', () => {
  it('accepts one handler per job on the job’s own queue', () => {
    expect(findJobHandlerProblems(everyJobHandledOnce())).toEqual([]);
  });

  it('reports a job without a handler', () => {
    expect(findJobHandlerProblems(everyJobHandledOnce().slice(1))).toEqual([
      `job "${JobName.PruneOutbox}" has no handler`,
      `job "${JobName.WriteAuditCheckpoint}" has no handler`,
    ]);
  });

  it('reports a job handled twice', () => {
    const problems = findJobHandlerProblems([
      ...everyJobHandledOnce(),
      { processor: 'Copy', queue: QueueName.Maintenance, jobNames: [JobName.PruneOutbox] },
    ]);
    expect(problems).toContain(`job "${JobName.PruneOutbox}" has 2 handlers: MaintenanceProcessor, Copy`);
  });

  it('reports a handler on the wrong queue and an unknown job name', () => {
    const problems = findJobHandlerProblems([
      { processor: 'Wrong', queue: 'elsewhere', jobNames: [JobName.PruneOutbox, 'made-up'] },
    ]);
    expect(problems).toEqual(
      expect.arrayContaining([
        `Wrong handles "${JobName.PruneOutbox}" on queue "elsewhere", but that job is sent to "${QueueName.Maintenance}"`,
        'Wrong handles "made-up", which is not a known job name',
      ]),
    );
  });
});
