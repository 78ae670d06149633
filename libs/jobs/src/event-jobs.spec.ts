import { jobForEvent, UnroutableEventError } from './event-jobs';
import { EventTopic } from './events';
import { JOB_OPTIONS, JobName, QueueName } from './queues';

describe('jobForEvent: each event topic goes straight to the one job that handles it', () => {
  it('re-screens a changed participant, a burst of changes collapsing into one job', () => {
    const job = jobForEvent(EventTopic.ParticipantChanged, { participantId: 'p-1', cause: 'visit' });
    expect(job).toMatchObject({
      queue: QueueName.Screening,
      name: JobName.ScreenParticipant,
      data: { participantId: 'p-1' },
      opts: { deduplication: { id: 'screen-participant:p-1', keepLastIfActive: true }, delay: 150 },
    });
    expect(job.opts.attempts).toBe(JOB_OPTIONS[JobName.ScreenParticipant].attempts);
  });

  it('walks a trial’s screening run, under a job id named after the run', () => {
    expect(jobForEvent(EventTopic.TrialScreeningRequested, { runId: 'run-7' })).toEqual({
      queue: QueueName.Screening,
      name: JobName.RunScreening,
      data: { runIds: ['run-7'] },
      opts: { ...JOB_OPTIONS[JobName.RunScreening], jobId: 'screening-run-run-7' },
    });
  });

  it('walks a site’s daily runs together in one job, whose id does not depend on the order stored', () => {
    const job = jobForEvent(EventTopic.DailyRescreenStarted, { runIds: ['run-b', 'run-a'] });
    expect(job).toMatchObject({
      queue: QueueName.Screening,
      name: JobName.RunScreening,
      data: { runIds: ['run-a', 'run-b'] },
      opts: { jobId: 'screening-run-run-a' },
    });
  });

  it('gives the same job for the same event twice (a row relayed again adds nothing new)', () => {
    const payload = { runIds: ['run-a', 'run-b'] };
    expect(jobForEvent(EventTopic.DailyRescreenStarted, payload)).toEqual(
      jobForEvent(EventTopic.DailyRescreenStarted, payload),
    );
  });

  it('refuses a topic no job handles, rather than treating it as a screening request', () => {
    expect(() => jobForEvent('participant.archived', { participantId: 'p-1' })).toThrow(
      new UnroutableEventError('no job handles the event topic "participant.archived"'),
    );
    // Not a key of any object prototype either.
    expect(() => jobForEvent('constructor', {})).toThrow(UnroutableEventError);
  });

  it('refuses a payload without the ids its job needs', () => {
    expect(() => jobForEvent(EventTopic.ParticipantChanged, { cause: 'visit' })).toThrow(
      UnroutableEventError,
    );
    expect(() => jobForEvent(EventTopic.TrialScreeningRequested, { trialId: 't-1' })).toThrow(
      UnroutableEventError,
    );
    // The payload written before daily re-screen events named their runs.
    expect(() =>
      jobForEvent(EventTopic.DailyRescreenStarted, { siteId: 's-1', forDate: '2027-03-13' }),
    ).toThrow(UnroutableEventError);
    expect(() => jobForEvent(EventTopic.DailyRescreenStarted, { runIds: [] })).toThrow(UnroutableEventError);
  });
});
