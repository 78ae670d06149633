import { Role } from '@registry/domain';
import { ErrorKind, FixedClock } from '@registry/platform';
import {
  admin,
  coordinatorAt,
  FAKE_TX,
  FakeAuditRepository,
  FakePasswordHasher,
  FakeSessionRepository,
  FakeTransactions,
  FakeUserRepository,
  refusal,
} from '../../../../test/fakes';
import type { CreateUserDto } from './user.dto';
import { UsersService } from './users.service';

const NOW = '2026-03-02T12:00:00Z';
const PASSWORD = 'correct horse battery';

function setUp() {
  const users = new FakeUserRepository();
  users.addSite('site-1');
  users.addSite('site-2');
  users.organisations.add('org-1');
  const sessions = new FakeSessionRepository(users);
  const audit = new FakeAuditRepository();
  const hasher = new FakePasswordHasher();
  const transactions = new FakeTransactions();
  const service = new UsersService(transactions, users, sessions, audit, hasher, new FixedClock(NOW));
  const carol = users.add({
    email: 'carol@site.test',
    displayName: 'Carol',
    role: Role.Coordinator,
    sites: [users.sites.get('site-1')!],
  });
  return { service, users, sessions, audit, transactions, carol };
}

const coordinator = (fields: Partial<CreateUserDto> = {}): CreateUserDto => ({
  email: 'dana@site.test',
  displayName: 'Dana',
  password: PASSWORD,
  role: Role.Coordinator,
  siteIds: ['site-1'],
  ...fields,
});

describe('UsersService', () => {
  describe('reading accounts', () => {
    it('lists a page of accounts ordered by e-mail, with the total', async () => {
      const { service, users } = setUp();
      users.add({ email: 'alice@site.test' });
      users.add({ email: 'bob@site.test' });

      const [page, total] = await service.list({ page: 2, pageSize: 2 });
      expect(page.map((user) => user.email)).toEqual(['carol@site.test']);
      expect(total).toBe(3);
    });

    it('lets an admin read anyone, and anyone else only themselves', async () => {
      const { service, carol } = setUp();
      await expect(service.get(admin(), carol.id)).resolves.toMatchObject({ email: 'carol@site.test' });
      await expect(service.get({ ...coordinatorAt('site-1'), userId: carol.id }, carol.id)).resolves.toBe(
        carol,
      );
    });

    it('answers not found to a non-admin asking for someone else, as for an account that does not exist', async () => {
      const { service, carol } = setUp();
      const other = await refusal(service.get(coordinatorAt('site-1'), carol.id));
      const missing = await refusal(service.get(admin(), '00000000-0000-4000-8000-00000000dead'));
      expect(other).toMatchObject({ kind: ErrorKind.NotFound, code: 'not_found' });
      expect(missing).toMatchObject({ kind: ErrorKind.NotFound, code: 'not_found' });
    });
  });

  describe('creating an account', () => {
    it('stores the account with its sites and only a hash of the password', async () => {
      const { service, users } = setUp();
      const user = await service.create(coordinator());

      expect(users.rows.get(user.id)).toMatchObject({
        email: 'dana@site.test',
        role: Role.Coordinator,
        passwordHash: `hashed:${PASSWORD}`,
        sponsorOrganisationId: null,
      });
      expect(user.sites?.map((site) => site.id)).toEqual(['site-1']);
    });

    it('audits who created which account with which role and memberships, never the password', async () => {
      const { service, audit } = setUp();
      const creator = { userId: 'admin-1', role: Role.Admin };
      const user = await service.create(coordinator({ siteIds: ['site-1', 'site-2', 'site-1'] }), creator);

      const entry = audit.only('user.created');
      expect(entry).toMatchObject({ entityType: 'user', entityId: user.id, actor: creator });
      expect(entry.changes).toEqual([
        { field: 'email', old: null, new: 'dana@site.test' },
        { field: 'displayName', old: null, new: 'Dana' },
        { field: 'role', old: null, new: Role.Coordinator },
        { field: 'siteIds', old: null, new: ['site-1', 'site-2'] },
        { field: 'sponsorOrganisationId', old: null, new: null },
      ]);
      expect(JSON.stringify(entry)).not.toContain(PASSWORD);
    });

    it('makes a sponsor a member of an existing organisation', async () => {
      const { service } = setUp();
      const user = await service.create(
        coordinator({ role: Role.Sponsor, siteIds: undefined, sponsorOrganisationId: 'org-1' }),
      );
      expect(user).toMatchObject({ role: Role.Sponsor, sponsorOrganisationId: 'org-1' });
    });

    it('refuses a password against the policy, naming password, and writes nothing', async () => {
      const { service, users, audit } = setUp();
      const error = await refusal(service.create(coordinator({ password: 'dana-dana-dana' })));

      expect(error.details).toEqual([
        expect.objectContaining({ field: 'password', constraint: 'notPersonal' }),
      ]);
      expect(users.rows.size).toBe(1);
      expect(audit.entries).toEqual([]);
    });

    it('refuses an address taken by another account in any case with 409, naming email, and audits nothing', async () => {
      const { service, users, audit } = setUp();
      const error = await refusal(service.create(coordinator({ email: 'Carol@Site.TEST' })));

      expect(error).toMatchObject({ kind: ErrorKind.Conflict, code: 'user.email_taken' });
      expect(error.details).toEqual([expect.objectContaining({ field: 'email', constraint: 'unique' })]);
      expect(users.rows.size).toBe(1);
      expect(audit.entries).toEqual([]);
    });

    it.each([
      ['a coordinator without sites', { siteIds: [] }, 'siteIds', 'requiredForRole'],
      ['an admin with sites', { role: Role.Admin }, 'siteIds', 'notAllowedForRole'],
      ['a site that does not exist', { siteIds: ['site-9'] }, 'siteIds', 'exists'],
      [
        'a sponsor without an organisation',
        { role: Role.Sponsor, siteIds: [] },
        'sponsorOrganisationId',
        'requiredForRole',
      ],
      [
        'a coordinator with an organisation',
        { sponsorOrganisationId: 'org-1' },
        'sponsorOrganisationId',
        'notAllowedForRole',
      ],
      [
        'an organisation that does not exist',
        { role: Role.Sponsor, siteIds: [], sponsorOrganisationId: 'org-9' },
        'sponsorOrganisationId',
        'exists',
      ],
    ])(
      'refuses %s, naming the field and rule, and writes nothing',
      async (_case, fields, field, constraint) => {
        const { service, users, audit } = setUp();
        const error = await refusal(service.create(coordinator(fields)));

        expect(error).toMatchObject({ kind: ErrorKind.InvalidInput, code: 'validation_failed' });
        expect(error.details).toEqual([expect.objectContaining({ field, constraint })]);
        expect(users.rows.size).toBe(1);
        expect(audit.entries).toEqual([]);
      },
    );
  });

  describe('changing an account', () => {
    it('changes the role and sites of the locked account and audits it as a role change with its reason', async () => {
      const { service, users, audit, carol } = setUp();
      const updated = await service.update(carol.id, {
        role: Role.Monitor,
        siteIds: ['site-2', 'site-1'],
        reason: 'now monitors both sites',
      });

      expect(users.locked).toEqual([carol.id]);
      expect(users.rows.get(carol.id)?.role).toBe(Role.Monitor);
      expect(updated.sites?.map((site) => site.id)).toEqual(['site-1', 'site-2']);
      expect(audit.only('user.role_changed')).toMatchObject({
        entityId: carol.id,
        reason: 'now monitors both sites',
        changes: expect.arrayContaining([
          { field: 'role', old: Role.Coordinator, new: Role.Monitor },
          { field: 'siteIds', old: ['site-1'], new: ['site-1', 'site-2'] },
        ]),
      });
    });

    it('audits a change that keeps the role as an update', async () => {
      const { service, audit, carol } = setUp();
      await service.update(carol.id, { displayName: 'Carol B.', reason: 'married' });
      expect(audit.only('user.updated').changes).toEqual([
        { field: 'displayName', old: 'Carol', new: 'Carol B.' },
      ]);
    });

    it('writes and audits nothing when nothing changes', async () => {
      const { service, users, audit, carol } = setUp();
      const before = users.rows.get(carol.id);
      await service.update(carol.id, { displayName: 'Carol', siteIds: ['site-1'], reason: 'no-op' });
      expect(users.rows.get(carol.id)).toBe(before);
      expect(audit.entries).toEqual([]);
    });

    it('refuses a new role whose memberships do not follow (a coordinator made sponsor keeps sites, has no organisation)', async () => {
      const { service, users, audit, carol } = setUp();
      const error = await refusal(
        service.update(carol.id, { role: Role.Sponsor, reason: 'moved to sponsor' }),
      );

      expect(error.details).toEqual([
        expect.objectContaining({ field: 'siteIds', constraint: 'notAllowedForRole' }),
        expect.objectContaining({ field: 'sponsorOrganisationId', constraint: 'requiredForRole' }),
      ]);
      expect(users.rows.get(carol.id)?.role).toBe(Role.Coordinator);
      expect(audit.entries).toEqual([]);
    });

    it('answers not found for an account that does not exist', async () => {
      const { service } = setUp();
      const error = await refusal(
        service.update('00000000-0000-4000-8000-00000000dead', { displayName: 'X', reason: 'r' }),
      );
      expect(error.code).toBe('not_found');
    });
  });

  describe('deactivating and reactivating', () => {
    async function withSessions() {
      const context = setUp();
      for (const familyId of ['session-a', 'session-b']) {
        await context.sessions.insert(FAKE_TX, {
          userId: context.carol.id,
          familyId,
          tokenHash: `hash-${familyId}`,
          expiresAt: new Date('2026-03-16T12:00:00Z'),
        });
      }
      return context;
    }

    it('deactivates the account, clears its log-in lock, ends every session and audits it with the reason', async () => {
      const { service, users, sessions, audit, carol } = await withSessions();
      users.rows.set(carol.id, {
        ...carol,
        failedLoginCount: 2,
        lockedUntil: new Date('2026-03-02T12:10:00Z'),
      });

      const result = await service.setActive(admin(), carol.id, false, 'left the site');

      expect(result.active).toBe(false);
      expect(users.rows.get(carol.id)).toMatchObject({
        active: false,
        failedLoginCount: 0,
        lockedUntil: null,
      });
      expect(sessions.openSessionsOf(carol.id)).toEqual([]);
      expect(sessions.tokens.map((token) => token.revokedAt)).toEqual([new Date(NOW), new Date(NOW)]);
      expect(audit.only('user.deactivated')).toMatchObject({
        entityId: carol.id,
        changes: [{ field: 'active', old: true, new: false }],
        reason: 'left the site',
      });
    });

    it('refuses an admin deactivating their own account with 409, reading nothing', async () => {
      const { service, users, transactions } = setUp();
      const me = users.add({ role: Role.Admin });
      const error = await refusal(service.setActive({ ...admin(), userId: me.id }, me.id, false, 'oops'));

      expect(error).toMatchObject({ kind: ErrorKind.Conflict, code: 'user.cannot_deactivate_self' });
      expect(users.rows.get(me.id)?.active).toBe(true);
      expect(transactions.opened).toBe(0);
    });

    it('reactivates an account and audits it, without touching sessions', async () => {
      const { service, users, sessions, audit, carol } = await withSessions();
      users.rows.set(carol.id, { ...carol, active: false });

      await service.setActive(admin(), carol.id, true, 'back from leave');

      expect(users.rows.get(carol.id)?.active).toBe(true);
      expect(sessions.openSessionsOf(carol.id)).toEqual(['session-a', 'session-b']);
      expect(audit.only('user.reactivated').reason).toBe('back from leave');
    });

    it('writes and audits nothing when the account is already in that state', async () => {
      const { service, sessions, audit, carol } = await withSessions();
      await service.setActive(admin(), carol.id, true, 'already active');
      expect(sessions.openSessionsOf(carol.id)).toHaveLength(2);
      expect(audit.entries).toEqual([]);
    });
  });

  describe('the first admin', () => {
    it('is created from the given address under the bootstrap lock when there is no admin, audited as the system', async () => {
      const { service, users, audit } = setUp();
      await expect(service.ensureBootstrapAdmin('root@registry.test', PASSWORD)).resolves.toBe(true);

      expect(users.bootstrapLocks).toBe(1);
      expect([...users.rows.values()].filter((user) => user.role === Role.Admin)).toEqual([
        expect.objectContaining({ email: 'root@registry.test', displayName: 'Administrator' }),
      ]);
      expect(audit.only('user.created').actor).toEqual({ userId: null, role: 'system' });
    });

    it('is not created when an admin exists', async () => {
      const { service, users, audit } = setUp();
      users.add({ role: Role.Admin, email: 'admin@registry.test' });

      await expect(service.ensureBootstrapAdmin('root@registry.test', PASSWORD)).resolves.toBe(false);
      expect(users.bootstrapLocks).toBe(1);
      expect(audit.entries).toEqual([]);
    });
  });
});
