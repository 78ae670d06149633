import { INestApplicationContext } from '@nestjs/common';
import { dayBegunEverywhere, TRIAL_TEMPLATES } from '@registry/domain';
import { JOB_OPTIONS, JobName, QueueName, sendNotificationEmailJobId } from '@registry/jobs';
import { migrationDataSourceOptions } from '@registry/persistence';
import { redisOptionsFromUrl } from '@registry/platform';
import { Queue } from 'bullmq';
import type { AddressInfo } from 'node:net';
import { SMTPServer, SMTPServerDataStream } from 'smtp-server';
import { DataSource } from 'typeorm';
import { ensureDemoIdentity, ensureDemoTrials } from '../../apps/api/src/cli/demo-data';
import { writeSyntheticCohort } from '../../apps/api/src/cli/seed-writer';
import { EmailService } from '../../apps/worker/src/email/email.service';
import { createTestSystem, startWorker, TestSystem } from '../support/harness';
import { waitFor } from '../support/wait-for';

interface Received {
  to: string[];
  raw: string;
}

/**
 * Notification e-mail through a real SMTP server started in-process (smtp-server), sent by the real worker's
 * jobs: what arrives, how often, and what happens when the server says "later" or "never".
 */
describe('notification e-mail', () => {
  const received: Received[] = [];
  /** Transient refusals (451) still to give before accepting; per recipient address. */
  const refuseFirst = new Map<string, number>();
  /** How long the server takes to accept a message, per recipient address (ms). */
  const acceptAfter = new Map<string, number>();
  let attempts = 0;
  let smtp: SMTPServer;
  let system: TestSystem;
  let owner: DataSource;
  let worker: INestApplicationContext;
  let queue: Queue;
  let users: Record<string, { id: string; email: string }>;
  let counter = 0;

  const refusal = (code: number, message: string) =>
    Object.assign(new Error(message), { responseCode: code });

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo(address, _session, callback) {
        if (address.address.startsWith('bounce')) return callback(refusal(550, 'no such mailbox'));
        callback();
      },
      onData(stream: SMTPServerDataStream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          attempts++;
          const to = session.envelope.rcptTo.map((r) => r.address);
          const left = refuseFirst.get(to[0]) ?? 0;
          if (left > 0) {
            refuseFirst.set(to[0], left - 1);
            return callback(refusal(451, 'try again later'));
          }
          received.push({ to, raw: Buffer.concat(chunks).toString('utf8') });
          setTimeout(() => callback(), acceptAfter.get(to[0]) ?? 0);
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const port = (smtp.server.address() as AddressInfo).port;

    system = await createTestSystem({
      SMTP_URL: `smtp://127.0.0.1:${port}`,
      EMAIL_BOUNCE_THRESHOLD: '2',
      // The digest test queues its digest itself. With the default 07:00, the reminder tick also found every
      // Tokyo coordinator's digest due from 22:00 UTC on, and its digest would take the notifications the
      // other tests send at once (each e-mailed once, but not by the job the test watches).
      EMAIL_DIGEST_LOCAL_TIME: '23:59',
    });
    owner = new DataSource(
      migrationDataSourceOptions(
        { ...system.config, MIGRATION_DATABASE_URL: system.database.ownerUrl },
        'email',
      ),
    );
    await owner.initialize();
    await ensureDemoIdentity(owner, { password: 'email-test-password', resetExistingPasswords: false });
    const rows = await owner.query<{ id: string; email: string; role: string }[]>(
      `SELECT id, email, role FROM app_user ORDER BY email`,
    );
    const byEmail = (prefix: string) => rows.find((row) => row.email.startsWith(prefix))!;
    users = { tky: byEmail('coordinator.tky'), bos: byEmail('coordinator.bos'), admin: byEmail('admin') };
    worker = await startWorker(system.config);
    queue = new Queue(QueueName.Notifications, {
      prefix: system.config.REDIS_KEY_PREFIX,
      connection: redisOptionsFromUrl(system.config.REDIS_URL),
    });
  }, 60_000);

  afterAll(async () => {
    await queue?.close();
    await worker?.close();
    await owner?.destroy();
    await system?.shutdown();
    await new Promise<void>((resolve) => smtp?.close(() => resolve()));
  });

  /** A notification waiting to be e-mailed, as the reminder job writes it. */
  const pendingNotification = async (
    userId: string,
    subject: string,
    body: string,
    language = 'en',
    siteId: string | null = null,
  ) => {
    const [row] = await owner.query<{ id: string }[]>(
      `WITH r AS (
         INSERT INTO reminder (kind, subject_key, about_day, sent_on, facts)
         VALUES ('visit_window_open', $1, current_date, current_date, '{}') RETURNING id)
       INSERT INTO notification (reminder_id, recipient_id, kind, language, subject, body, email, site_id)
       SELECT r.id, $2, 'visit_window_open', $5, $3, $4, 'pending', $6 FROM r RETURNING id`,
      [`visit:email-test-${counter++}`, userId, subject, body, language, siteId],
    );
    return row.id;
  };
  const emailState = async (id: string) =>
    (await owner.query<{ email: string }[]>(`SELECT email FROM notification WHERE id = $1`, [id]))[0].email;

  it('an SMTP server that refuses the first two attempts still ends with exactly one e-mail delivered', async () => {
    const id = await pendingNotification(
      users.tky.id,
      'Visit M012 for TKY-000007-Q: window open until 2027-02-01',
      'The M012 visit window for participant TKY-000007-Q is open from 2026-12-07 to 2027-02-01.',
    );
    refuseFirst.set(users.tky.email, 2);
    const attemptsBefore = attempts;
    await queue.add(
      JobName.SendNotificationEmail,
      { notificationId: id },
      { ...JOB_OPTIONS[JobName.SendNotificationEmail], jobId: sendNotificationEmailJobId(id) },
    );
    await waitFor(
      () => emailState(id),
      (state) => state === 'sent',
      'the e-mail to be sent',
      30_000,
    );
    // Retried with back-off: two refusals, then the one delivery; and nothing more arrives.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const delivered = received.filter((r) => r.to.includes(users.tky.email));
    expect(delivered).toHaveLength(1);
    expect(attempts - attemptsBefore).toBe(3);
    expect(delivered[0].raw).toContain('TKY-000007-Q');
    expect(delivered[0].raw).toMatch(/Content-Type: text\/plain/);
    expect(delivered[0].raw).toMatch(/Content-Type: text\/html/);
    // Still in the inbox.
    expect(await emailState(id)).toBe('sent');
  }, 60_000);

  it('a notification sent at once while the recipient digest is being sent is e-mailed once', async () => {
    const id = await pendingNotification(users.admin.id, 'raced subject', 'raced body');
    // The server takes its time over each message, so that the two deliveries overlap.
    acceptAfter.set(users.admin.email, 1000);
    const email = worker.get(EmailService, { strict: false });
    const before = received.filter((r) => r.to.includes(users.admin.email)).length;

    const outcomes = await Promise.all([email.sendDigest(users.admin.id), email.sendNow(id)]);

    const delivered = received.filter((r) => r.to.includes(users.admin.email)).slice(before);
    expect(delivered).toHaveLength(1);
    expect(delivered[0].raw).toContain('raced subject');
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['done', 'skipped']);
    expect(await emailState(id)).toBe('sent');
    acceptAfter.delete(users.admin.email);
  }, 30_000);

  it('sends a daily digest of everything waiting, in the recipient language, once', async () => {
    const first = await pendingNotification(users.bos.id, 'first subject', 'first body BOS-000001-A');
    const second = await pendingNotification(users.bos.id, 'second subject', 'second body BOS-000002-B');
    // About a Tokyo participant, to the Boston coordinator, who does not work at Tokyo: never e-mailed.
    const [tokyo] = await owner.query<{ id: string }[]>(`SELECT id FROM site WHERE code = 'TKY'`);
    const elsewhere = await pendingNotification(
      users.bos.id,
      'elsewhere',
      'body TKY-000099-Z',
      'en',
      tokyo.id,
    );
    const job = { recipientId: users.bos.id, forDate: '2026-12-02' };
    await queue.add(JobName.SendEmailDigest, job, {
      ...JOB_OPTIONS[JobName.SendEmailDigest],
      jobId: 'digest-a',
    });
    await waitFor(
      () => emailState(second),
      (state) => state === 'sent',
      'the digest to be sent',
    );
    expect(await emailState(first)).toBe('sent');
    // A second digest with nothing new waiting sends nothing.
    await queue.add(JobName.SendEmailDigest, job, {
      ...JOB_OPTIONS[JobName.SendEmailDigest],
      jobId: 'digest-b',
    });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const delivered = received.filter((r) => r.to.includes(users.bos.email));
    expect(delivered).toHaveLength(1);
    expect(delivered[0].raw).toContain('Subject: Trial-ready registry: 2 new notifications');
    expect(delivered[0].raw).toContain('BOS-000001-A');
    expect(delivered[0].raw).toContain('BOS-000002-B');
    expect(delivered[0].raw).not.toContain('TKY-000099-Z');
    expect(await emailState(elsewhere)).toBe('pending');
  }, 60_000);

  it('e-mails a new eligibility flag at once to a coordinator who asked for it, through the reminder tick', async () => {
    const { siteIds, sponsorId, ownerId } = await ensureDemoIdentity(owner, {
      password: 'email-test-password',
      resetExistingPasswords: false,
    });
    await writeSyntheticCohort(owner, {
      participants: 40,
      seed: 7,
      siteIds,
      today: dayBegunEverywhere(new Date()),
      historyYears: 1,
      fingerprintKey: system.config.IDENTITY_FINGERPRINT_KEY,
    });
    await ensureDemoTrials(owner, siteIds, sponsorId, ownerId, TRIAL_TEMPLATES, { startScreening: false });
    // A Tokyo participant who may be approached (enrolled, with consent to be recontacted), flagged as the
    // screening worker flags.
    const [participant] = await owner.query<{ id: string }[]>(
      `SELECT p.id FROM participant p JOIN site s ON s.id = p.site_id
        WHERE s.code = 'TKY' AND p.status = 'enrolled'
          AND EXISTS (SELECT 1 FROM participant_consent c WHERE c.participant_id = p.id
                       AND 'recontact_for_trials' = ANY(c.scopes)
                       AND NOT EXISTS (SELECT 1 FROM consent_withdrawal w WHERE w.participant_consent_id = c.id))
        ORDER BY p.id LIMIT 1`,
    );
    const [trial] = await owner.query<{ id: string; criteria_version: number }[]>(
      `SELECT id, criteria_version FROM trial ORDER BY title LIMIT 1`,
    );
    await owner.query(
      `UPDATE app_user SET email_preference = 'immediate_flags', language = 'en' WHERE id = $1`,
      [users.tky.id],
    );
    await owner.query(
      `INSERT INTO eligibility_flag (participant_id, trial_id, kind, episode, criteria_version) VALUES ($1, $2, 'eligible', 1, $3)`,
      [participant.id, trial.id, trial.criteria_version],
    );
    await queue.add(JobName.TickReminders, {}, JOB_OPTIONS[JobName.TickReminders]);
    const unfolded = (raw: string) => raw.replace(/=\r?\n/g, '').replace(/\r?\n[ \t]+/g, ' ');
    const flagMail = () =>
      received.filter(
        (r) =>
          r.to.includes(users.tky.email) &&
          unfolded(r.raw).includes(`Participant ${participant.id} meets the criteria of`),
      );
    await waitFor(
      () => Promise.resolve(flagMail().length),
      (n) => n > 0,
      'the flag e-mail',
      30_000,
    );
    // Marked e-mailed once the server has accepted it.
    const flagState = async () =>
      (
        await owner.query<{ email: string }[]>(
          `SELECT n.email FROM notification n JOIN reminder r ON r.id = n.reminder_id
            WHERE r.kind = 'eligible_flag' AND n.recipient_id = $1`,
          [users.tky.id],
        )
      )[0]?.email;
    await waitFor(flagState, (state) => state === 'sent', 'the flag notification marked e-mailed');
    expect(flagMail()).toHaveLength(1);
    // No name and no birth date of the participant in it.
    const [person] = await owner.query<{ birth_date: string }[]>(
      `SELECT birth_date::text FROM participant WHERE id = $1`,
      [participant.id],
    );
    expect(unfolded(flagMail()[0].raw)).not.toContain(person.birth_date);
  }, 90_000);

  it('an address that keeps bouncing is reported to the admins, once; the notifications stay in the inbox', async () => {
    // The earlier tests' jobs settle first: one that read this user's old address and then delivered would
    // reset the count of failures in a row between the three below (seen once, in a full suite run under load).
    await waitFor(
      () => queue.getJobCounts('active', 'waiting', 'prioritized'),
      (counts) => counts.active + counts.waiting + counts.prioritized === 0,
      "the earlier tests' notification jobs to settle",
      30_000,
    );
    await owner.query(`UPDATE app_user SET email = 'bounce.tky@demo.trialready.example' WHERE id = $1`, [
      users.tky.id,
    ]);
    const ids = [
      await pendingNotification(users.tky.id, 'one', 'one TKY-000001-A'),
      await pendingNotification(users.tky.id, 'two', 'two TKY-000002-B'),
      await pendingNotification(users.tky.id, 'three', 'three TKY-000003-C'),
    ];
    for (const id of ids)
      await queue.add(
        JobName.SendNotificationEmail,
        { notificationId: id },
        { ...JOB_OPTIONS[JobName.SendNotificationEmail], jobId: sendNotificationEmailJobId(id) },
      );
    await waitFor(
      () => Promise.all(ids.map(emailState)),
      (states) => states.every((state) => state === 'failed'),
      'every e-mail to fail',
      30_000,
    );
    const notices = await owner.query<{ recipient_id: string; subject: string; body: string }[]>(
      `SELECT recipient_id, subject, body FROM notification WHERE kind = 'email_bouncing'`,
    );
    expect(notices).toEqual([
      {
        recipient_id: users.admin.id,
        subject: 'E-mail to bounce.tky@demo.trialready.example keeps failing',
        body: expect.stringContaining('were refused permanently'),
      },
    ]);
    const [inbox] = await owner.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM notification WHERE recipient_id = $1 AND id = ANY($2::uuid[])`,
      [users.tky.id, ids],
    );
    expect(inbox.n).toBe(3);
    // A permanent refusal is not retried: one attempt each.
    const failed = await queue.getFailed();
    for (const id of ids)
      expect(failed.find((job) => job.id === sendNotificationEmailJobId(id))?.attemptsMade).toBe(1);
  }, 60_000);
});
