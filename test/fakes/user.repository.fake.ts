import { Role } from '@registry/domain';
import type {
  NewUser,
  SiteEntity,
  Tx,
  UserEntity,
  UserMembership,
  UserPage,
  UserRepository,
} from '@registry/persistence';
import { fakeId, Public } from './public';

/**
 * Accounts in memory, with the one rule of the table a service relies on: e-mail addresses are unique
 * without case. Sites and sponsor organisations that exist are listed by the test.
 */
export class FakeUserRepository implements Public<UserRepository> {
  readonly rows = new Map<string, UserEntity>();
  /** Sites that exist (id -> site); an account's sites are taken from here. */
  readonly sites = new Map<string, SiteEntity>();
  readonly organisations = new Set<string>();
  /** Ids of accounts read with a row lock, in order. */
  readonly locked: string[] = [];
  /** How many times the bootstrap lock was taken. */
  bootstrapLocks = 0;

  listWithSites(_tx: Tx, page: UserPage): Promise<[UserEntity[], number]> {
    const all = [...this.rows.values()].sort((a, b) => a.email.localeCompare(b.email));
    return Promise.resolve([all.slice(page.skip, page.skip + page.take), all.length]);
  }

  findWithSites(_tx: Tx, userId: string): Promise<UserEntity | null> {
    return Promise.resolve(this.rows.get(userId) ?? null);
  }

  getById(_tx: Tx, userId: string): Promise<UserEntity> {
    const user = this.rows.get(userId);
    return user ? Promise.resolve(user) : Promise.reject(new Error(`no user ${userId}`));
  }

  findById(_tx: Tx, userId: string): Promise<UserEntity | null> {
    return Promise.resolve(this.rows.get(userId) ?? null);
  }

  findByEmailForLogin(_tx: Tx, email: string): Promise<UserEntity | null> {
    const user = this.byEmail(email);
    if (user) this.locked.push(user.id);
    return Promise.resolve(user ?? null);
  }

  findForUpdate(_tx: Tx, userId: string): Promise<UserEntity | null> {
    const user = this.rows.get(userId);
    if (!user) return Promise.resolve(null);
    this.locked.push(userId);
    // A copy, as a fresh read would be: the service's changes reach the store only through the repository.
    return Promise.resolve({ ...user, sites: [...(user.sites ?? [])] });
  }

  insert(_tx: Tx, user: NewUser): Promise<UserEntity | 'email_taken'> {
    if (this.byEmail(user.email)) return Promise.resolve('email_taken');
    const { siteIds, ...columns } = user;
    return Promise.resolve(this.add({ ...columns, sites: siteIds.map((id) => this.site(id)) }));
  }

  saveMembership(_tx: Tx, user: UserEntity, membership: UserMembership): Promise<UserEntity> {
    const { siteIds, ...columns } = membership;
    Object.assign(user, columns, { sites: siteIds.map((id) => this.site(id)) });
    this.rows.set(user.id, { ...user });
    return Promise.resolve(user);
  }

  setActive(_tx: Tx, userId: string, active: boolean): Promise<void> {
    return this.change(userId, { active, failedLoginCount: 0, lockedUntil: null });
  }

  setPasswordHash(_tx: Tx, userId: string, passwordHash: string): Promise<void> {
    return this.change(userId, { passwordHash });
  }

  recordLogin(_tx: Tx, userId: string, at: Date): Promise<void> {
    return this.change(userId, { failedLoginCount: 0, lockedUntil: null, lastLoginAt: at });
  }

  recordFailedLogins(
    _tx: Tx,
    userId: string,
    failedLoginCount: number,
    lockedUntil: Date | null,
  ): Promise<void> {
    return this.change(userId, { failedLoginCount, lockedUntil });
  }

  countAdmins(_tx: Tx): Promise<number> {
    return Promise.resolve([...this.rows.values()].filter((user) => user.role === Role.Admin).length);
  }

  lockAdminBootstrap(_tx: Tx): Promise<void> {
    this.bootstrapLocks += 1;
    return Promise.resolve();
  }

  allSitesExist(_tx: Tx, siteIds: string[]): Promise<boolean> {
    return Promise.resolve(siteIds.every((id) => this.sites.has(id)));
  }

  sponsorOrganisationExists(_tx: Tx, organisationId: string): Promise<boolean> {
    return Promise.resolve(this.organisations.has(organisationId));
  }

  /** A site that exists (active unless said otherwise). */
  addSite(id: string, active = true): SiteEntity {
    const site = { id, code: id, name: id, country: 'GB', timeZone: 'Europe/London', active } as SiteEntity;
    this.sites.set(id, site);
    return site;
  }

  /** Stores an account with plausible defaults for what the test does not care about. */
  add(fields: Partial<UserEntity> = {}): UserEntity {
    const user: UserEntity = {
      id: fakeId(),
      email: `user-${this.rows.size + 1}@site.test`,
      displayName: 'A User',
      role: Role.Admin,
      passwordHash: 'hashed:irrelevant',
      sponsorOrganisationId: null,
      sites: [],
      active: true,
      language: null,
      emailPreference: 'daily_digest',
      emailPermanentFailures: 0,
      failedLoginCount: 0,
      lockedUntil: null,
      lastLoginAt: null,
      createdAt: new Date('2026-01-05T09:00:00Z'),
      updatedAt: new Date('2026-01-05T09:00:00Z'),
      ...fields,
    };
    this.rows.set(user.id, user);
    return user;
  }

  private byEmail(email: string): UserEntity | undefined {
    return [...this.rows.values()].find((user) => user.email.toLowerCase() === email.toLowerCase());
  }

  private site(id: string): SiteEntity {
    return this.sites.get(id) ?? ({ id } as SiteEntity);
  }

  private change(userId: string, fields: Partial<UserEntity>): Promise<void> {
    const user = this.rows.get(userId);
    if (user) this.rows.set(userId, { ...user, ...fields });
    return Promise.resolve();
  }
}
