import { Logger } from '@nestjs/common';
import { Environment } from '@registry/config';
import { Role } from '@registry/domain';
import { FixedClock } from '@registry/platform';
import {
  FakeAuditRepository,
  FakePasswordHasher,
  FakeSessionRepository,
  FakeTransactions,
  FakeUserRepository,
} from '../../../../test/fakes';
import { UsersService } from '../users/users.service';
import { BootstrapAdminService } from './bootstrap-admin.service';

function setUp(variables: Partial<Environment>) {
  const users = new FakeUserRepository();
  const service = new UsersService(
    new FakeTransactions(),
    users,
    new FakeSessionRepository(users),
    new FakeAuditRepository(),
    new FakePasswordHasher(),
    new FixedClock('2026-03-02T12:00:00Z'),
  );
  const bootstrap = new BootstrapAdminService(service, Object.assign(new Environment(), variables));
  const admins = () => [...users.rows.values()].filter((user) => user.role === Role.Admin);
  return { bootstrap, admins };
}

describe('BootstrapAdminService', () => {
  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  it('creates the first admin at start from BOOTSTRAP_ADMIN_EMAIL and _PASSWORD, once', async () => {
    const { bootstrap, admins } = setUp({
      BOOTSTRAP_ADMIN_EMAIL: 'root@registry.test',
      BOOTSTRAP_ADMIN_PASSWORD: 'correct horse battery',
    });
    await bootstrap.onApplicationBootstrap();
    await bootstrap.onApplicationBootstrap();

    expect(admins()).toEqual([
      expect.objectContaining({ email: 'root@registry.test', passwordHash: 'hashed:correct horse battery' }),
    ]);
  });

  it('creates nothing when the variables are not set', async () => {
    const { bootstrap, admins } = setUp({});
    await bootstrap.onApplicationBootstrap();
    expect(admins()).toEqual([]);
  });
});
