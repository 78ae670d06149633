import { Injectable } from '@nestjs/common';
import { checkPasswordPolicy, Role, SITE_BOUND_ROLES } from '@registry/domain';
import {
  AuditActor,
  AuditRepository,
  diffForAudit,
  SessionRepository,
  Transactions,
  Tx,
  UserEntity,
  UserRepository,
} from '@registry/persistence';
import { Clock, DomainError, ErrorDetail, ErrorKind, notFound } from '@registry/platform';
import type { Actor } from '../auth/actor';
import { PasswordHasher } from '../auth/password-hasher';
import type { PageQueryDto } from '../common/paging';
import type { CreateUserDto, UpdateUserDto } from './user.dto';

interface Membership {
  role: Role;
  siteIds: string[];
  sponsorOrganisationId: string | null;
}

@Injectable()
export class UsersService {
  constructor(
    private readonly transactions: Transactions,
    private readonly users: UserRepository,
    private readonly sessions: SessionRepository,
    private readonly audit: AuditRepository,
    private readonly hasher: PasswordHasher,
    private readonly clock: Clock,
  ) {}

  async list(query: PageQueryDto): Promise<[UserEntity[], number]> {
    return this.transactions.read((tx) =>
      this.users.listWithSites(tx, { skip: (query.page - 1) * query.pageSize, take: query.pageSize }),
    );
  }

  /** Admins read anyone; everybody else only themselves (others are "not found"). */
  async get(actor: Actor, id: string): Promise<UserEntity> {
    if (actor.role !== Role.Admin && actor.userId !== id) throw notFound('User');
    const user = await this.transactions.read((tx) => this.users.findWithSites(tx, id));
    if (!user) throw notFound('User');
    return user;
  }

  async create(input: CreateUserDto, actor?: AuditActor): Promise<UserEntity> {
    const passwordProblems = checkPasswordPolicy(input.password, { email: input.email });
    if (passwordProblems.length > 0) {
      throw new DomainError(
        ErrorKind.InvalidInput,
        'validation_failed',
        'The password does not meet the password policy',
        passwordProblems.map((problem) => ({ field: 'password', ...problem })),
      );
    }
    const passwordHash = await this.hasher.hash(input.password);
    return this.transactions.run(async (tx) => {
      const membership = await this.checkMembership(tx, {
        role: input.role,
        siteIds: input.siteIds ?? [],
        sponsorOrganisationId: input.sponsorOrganisationId ?? null,
      });
      const user = await this.users.insert(tx, {
        email: input.email,
        displayName: input.displayName,
        role: membership.role,
        passwordHash,
        sponsorOrganisationId: membership.sponsorOrganisationId,
        siteIds: membership.siteIds,
      });
      if (user === 'email_taken') {
        throw new DomainError(
          ErrorKind.Conflict,
          'user.email_taken',
          'An account with this e-mail already exists',
          [{ field: 'email', constraint: 'unique', message: 'email is already used by another account' }],
        );
      }
      await this.audit.record(tx, {
        action: 'user.created',
        entityType: 'user',
        entityId: user.id,
        actor,
        changes: [
          { field: 'email', old: null, new: user.email },
          { field: 'displayName', old: null, new: user.displayName },
          { field: 'role', old: null, new: user.role },
          { field: 'siteIds', old: null, new: membership.siteIds },
          { field: 'sponsorOrganisationId', old: null, new: user.sponsorOrganisationId },
        ],
      });
      return user;
    });
  }

  /** Role, site and organisation changes are audited with their reason and take effect on the next request. */
  async update(id: string, input: UpdateUserDto): Promise<UserEntity> {
    return this.transactions.run(async (tx) => {
      const user = await this.lockedUser(tx, id);
      const before = { ...user, siteIds: (user.sites ?? []).map((site) => site.id).sort() };
      const membership = await this.checkMembership(tx, {
        role: input.role ?? user.role,
        siteIds: input.siteIds ?? before.siteIds,
        sponsorOrganisationId:
          input.sponsorOrganisationId !== undefined
            ? input.sponsorOrganisationId
            : user.sponsorOrganisationId,
      });
      const after = {
        displayName: input.displayName ?? user.displayName,
        ...membership,
        siteIds: [...membership.siteIds].sort(),
      };
      const changes = diffForAudit(before, after, [
        'displayName',
        'role',
        'siteIds',
        'sponsorOrganisationId',
      ]);
      if (changes.length === 0) return user;

      await this.users.saveMembership(tx, user, after);
      await this.audit.record(tx, {
        action: changes.some((change) => change.field === 'role') ? 'user.role_changed' : 'user.updated',
        entityType: 'user',
        entityId: user.id,
        changes,
        reason: input.reason,
      });
      return user;
    });
  }

  /** Deactivated users cannot log in, their access tokens stop working at once and their sessions end. */
  async setActive(actor: Actor, id: string, active: boolean, reason: string): Promise<UserEntity> {
    if (!active && actor.userId === id) {
      throw new DomainError(
        ErrorKind.Conflict,
        'user.cannot_deactivate_self',
        'You cannot deactivate your own account',
      );
    }
    return this.transactions.run(async (tx) => {
      const user = await this.lockedUser(tx, id);
      if (user.active === active) return user;
      await this.users.setActive(tx, user.id, active);
      if (!active) await this.sessions.revokeAllOf(tx, user.id, this.clock.now());
      await this.audit.record(tx, {
        action: active ? 'user.reactivated' : 'user.deactivated',
        entityType: 'user',
        entityId: user.id,
        changes: [{ field: 'active', old: user.active, new: active }],
        reason,
      });
      user.active = active;
      return user;
    });
  }

  /** Creates the first admin from the environment when there is no admin yet; safe when replicas race. */
  async ensureBootstrapAdmin(email: string, password: string): Promise<boolean> {
    return this.transactions.run(async (tx) => {
      await this.users.lockAdminBootstrap(tx);
      if ((await this.users.countAdmins(tx)) > 0) return false;
      // Its own transaction, committed before the lock is released, so a racing replica then sees the admin.
      await this.create(
        { email, password, role: Role.Admin, displayName: 'Administrator' },
        { userId: null, role: 'system' },
      );
      return true;
    });
  }

  private async lockedUser(tx: Tx, id: string): Promise<UserEntity> {
    const user = await this.users.findForUpdate(tx, id);
    if (!user) throw notFound('User');
    return user;
  }

  /** The role decides what a user must belong to: sites for coordinators and monitors, an organisation for sponsors. */
  private async checkMembership(tx: Tx, membership: Membership): Promise<Membership> {
    const problems: ErrorDetail[] = [];
    const siteBound = SITE_BOUND_ROLES.includes(membership.role);
    const siteIds = [...new Set(membership.siteIds)];
    if (siteBound && siteIds.length === 0) {
      problems.push({
        field: 'siteIds',
        constraint: 'requiredForRole',
        message: `a ${membership.role} needs at least one site`,
      });
    }
    if (!siteBound && siteIds.length > 0) {
      problems.push({
        field: 'siteIds',
        constraint: 'notAllowedForRole',
        message: `a ${membership.role} has no sites`,
      });
    }
    if (siteIds.length > 0 && !(await this.users.allSitesExist(tx, siteIds))) {
      problems.push({
        field: 'siteIds',
        constraint: 'exists',
        message: 'siteIds names a site that does not exist',
      });
    }
    const isSponsor = membership.role === Role.Sponsor;
    if (isSponsor && !membership.sponsorOrganisationId) {
      problems.push({
        field: 'sponsorOrganisationId',
        constraint: 'requiredForRole',
        message: 'a sponsor needs an organisation',
      });
    }
    if (!isSponsor && membership.sponsorOrganisationId) {
      problems.push({
        field: 'sponsorOrganisationId',
        constraint: 'notAllowedForRole',
        message: `a ${membership.role} has no sponsor organisation`,
      });
    }
    if (
      isSponsor &&
      membership.sponsorOrganisationId &&
      !(await this.users.sponsorOrganisationExists(tx, membership.sponsorOrganisationId))
    ) {
      problems.push({
        field: 'sponsorOrganisationId',
        constraint: 'exists',
        message: 'sponsorOrganisationId does not exist',
      });
    }
    if (problems.length > 0) {
      throw new DomainError(
        ErrorKind.InvalidInput,
        'validation_failed',
        'The role and its memberships do not fit',
        problems,
      );
    }
    return {
      role: membership.role,
      siteIds,
      sponsorOrganisationId: isSponsor ? membership.sponsorOrganisationId : null,
    };
  }
}
