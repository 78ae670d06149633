import { Injectable } from '@nestjs/common';
import { Role } from '@registry/domain';
import { In } from 'typeorm';
import { SiteEntity } from '../entities/site.entity';
import { SponsorOrganisationEntity } from '../entities/sponsor-organisation.entity';
import { UserEntity } from '../entities/user.entity';
import { uniqueViolation } from '../errors';
import type { Tx } from './transactions';

export interface NewUser {
  email: string;
  displayName: string;
  role: Role;
  /** argon2id of the password; the password itself never reaches a repository. */
  passwordHash: string;
  sponsorOrganisationId: string | null;
  siteIds: string[];
}

/** What an admin may change of an account: its name, and the role with what the role belongs to. */
export interface UserMembership {
  displayName: string;
  role: Role;
  sponsorOrganisationId: string | null;
  siteIds: string[];
}

/** A page of accounts, ordered by e-mail address. */
export interface UserPage {
  skip: number;
  take: number;
}

/** Accounts (app_user), the sites they are assigned to (user_site), and their log-in counters. */
@Injectable()
export class UserRepository {
  /** A page of accounts with their sites, and how many accounts there are in all. */
  listWithSites(tx: Tx, page: UserPage): Promise<[UserEntity[], number]> {
    return tx.findAndCount(UserEntity, {
      relations: { sites: true },
      order: { email: 'ASC' },
      skip: page.skip,
      take: page.take,
    });
  }

  findWithSites(tx: Tx, userId: string): Promise<UserEntity | null> {
    return tx.findOne(UserEntity, { where: { id: userId }, relations: { sites: true } });
  }

  /** An account that must exist (the caller's own): a missing one is an error, not a 404. */
  getById(tx: Tx, userId: string): Promise<UserEntity> {
    return tx.findOneByOrFail(UserEntity, { id: userId });
  }

  findById(tx: Tx, userId: string): Promise<UserEntity | null> {
    return tx.findOneBy(UserEntity, { id: userId });
  }

  /**
   * The account of an e-mail address (compared without case), locked until the transaction ends, so that
   * concurrent log-ins count their failures one after the other and none is lost.
   */
  findByEmailForLogin(tx: Tx, email: string): Promise<UserEntity | null> {
    return tx
      .createQueryBuilder(UserEntity, 'user')
      .setLock('pessimistic_write')
      .where('lower(user.email) = lower(:email)', { email })
      .getOne();
  }

  /** An account locked (its row only, not its sites) for an admin's change, with its sites. */
  async findForUpdate(tx: Tx, userId: string): Promise<UserEntity | null> {
    const user = await tx.findOne(UserEntity, {
      where: { id: userId },
      lock: { mode: 'pessimistic_write', tables: ['app_user'] },
    });
    if (!user) return null;
    user.sites = await tx
      .getRepository(SiteEntity)
      .createQueryBuilder('site')
      .innerJoin('user_site', 'membership', 'membership.site_id = site.id')
      .where('membership.user_id = :id', { id: userId })
      .getMany();
    return user;
  }

  /** Stores an account with its sites; 'email_taken' when another account has the address (any case). */
  async insert(tx: Tx, user: NewUser): Promise<UserEntity | 'email_taken'> {
    const { siteIds, ...columns } = user;
    try {
      // A savepoint, so that a refused address leaves the caller's transaction usable.
      return await tx.transaction((inner) =>
        inner.save(
          inner.create(UserEntity, {
            ...columns,
            sites: siteIds.map((id) => ({ id }) as SiteEntity),
          }),
        ),
      );
    } catch (error) {
      if (uniqueViolation(error) === 'app_user_email_lower_key') return 'email_taken';
      throw error;
    }
  }

  /** Writes a new name, role, organisation and set of sites onto `user` (as read by `findForUpdate`). */
  saveMembership(tx: Tx, user: UserEntity, membership: UserMembership): Promise<UserEntity> {
    Object.assign(user, {
      displayName: membership.displayName,
      role: membership.role,
      sponsorOrganisationId: membership.sponsorOrganisationId,
      sites: membership.siteIds.map((siteId) => ({ id: siteId }) as SiteEntity),
    });
    return tx.save(user);
  }

  /** (De)activates an account; either way it starts again with no failed log-ins and no lock. */
  async setActive(tx: Tx, userId: string, active: boolean): Promise<void> {
    await tx.update(UserEntity, userId, { active, failedLoginCount: 0, lockedUntil: null });
  }

  async setPasswordHash(tx: Tx, userId: string, passwordHash: string): Promise<void> {
    await tx.update(UserEntity, userId, { passwordHash });
  }

  /** A successful log-in clears the failure count and any lock. */
  async recordLogin(tx: Tx, userId: string, at: Date): Promise<void> {
    await tx.update(UserEntity, userId, { failedLoginCount: 0, lockedUntil: null, lastLoginAt: at });
  }

  /** The consecutive failed log-ins so far and the lock they led to, if any. */
  async recordFailedLogins(
    tx: Tx,
    userId: string,
    failedLoginCount: number,
    lockedUntil: Date | null,
  ): Promise<void> {
    await tx.update(UserEntity, userId, { failedLoginCount, lockedUntil });
  }

  countAdmins(tx: Tx): Promise<number> {
    return tx.countBy(UserEntity, { role: Role.Admin });
  }

  /**
   * Serialises the creation of the first admin across API replicas starting together; held until the
   * transaction ends.
   */
  async lockAdminBootstrap(tx: Tx): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock(7410245003)');
  }

  /** Whether every one of these (distinct) site ids names a site, to assign them to an account. */
  async allSitesExist(tx: Tx, siteIds: string[]): Promise<boolean> {
    return (await tx.countBy(SiteEntity, { id: In(siteIds) })) === siteIds.length;
  }

  /** Whether a sponsor organisation exists, to make a sponsor account one of its members. */
  sponsorOrganisationExists(tx: Tx, organisationId: string): Promise<boolean> {
    return tx.existsBy(SponsorOrganisationEntity, { id: organisationId });
  }
}
