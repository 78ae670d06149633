import { Injectable } from '@nestjs/common';
import type { ProtocolVisitDefinition } from '@registry/domain';
import { ProtocolEntity, ProtocolVisitEntity } from '../entities/protocol.entity';
import type { Tx } from './transactions';

/** A visit of a new protocol version, as the domain defines one. */
export type NewProtocolVisit = ProtocolVisitDefinition;

export interface NewProtocol {
  code: string;
  name: string;
  visits: NewProtocolVisit[];
}

/** Follow-up protocols and their visits; a protocol is never edited, a new version is a new row. */
@Injectable()
export class ProtocolRepository {
  /** Every protocol with its visits, by code and newest version first. */
  list(tx: Tx): Promise<ProtocolEntity[]> {
    return tx.find(ProtocolEntity, { relations: { visits: true }, order: { code: 'ASC', version: 'DESC' } });
  }

  /** An active protocol with its visits, or null. */
  findActive(tx: Tx, protocolId: string): Promise<ProtocolEntity | null> {
    return tx.findOne(ProtocolEntity, {
      where: { id: protocolId, active: true },
      relations: { visits: true },
    });
  }

  /**
   * Stores the next version of the protocol with this code (version 1 for a new code), active, with its
   * visits. Callers creating the same code at once are serialised by a transaction-scoped advisory lock on
   * the code, so each gets its own version; the lock is held until `tx` ends.
   */
  async addVersion(tx: Tx, protocol: NewProtocol): Promise<ProtocolEntity> {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`protocol:${protocol.code}`]);
    const [{ next }] = await tx.query<{ next: number }[]>(
      'SELECT coalesce(max(version), 0) + 1 AS next FROM protocol WHERE code = $1',
      [protocol.code],
    );
    const stored = await tx.save(
      tx.create(ProtocolEntity, { code: protocol.code, name: protocol.name, version: next, active: true }),
    );
    stored.visits = await tx.save(
      protocol.visits.map((visit) => tx.create(ProtocolVisitEntity, { ...visit, protocolId: stored.id })),
    );
    return stored;
  }
}
