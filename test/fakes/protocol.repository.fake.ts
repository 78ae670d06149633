import type {
  NewProtocol,
  ProtocolEntity,
  ProtocolRepository,
  ProtocolVisitEntity,
  Tx,
} from '@registry/persistence';
import { fakeId, Public } from './public';

export class FakeProtocolRepository implements Public<ProtocolRepository> {
  readonly protocols: ProtocolEntity[] = [];

  list(_tx: Tx): Promise<ProtocolEntity[]> {
    return Promise.resolve(
      [...this.protocols].sort((a, b) => a.code.localeCompare(b.code) || b.version - a.version),
    );
  }

  findActive(_tx: Tx, protocolId: string): Promise<ProtocolEntity | null> {
    return Promise.resolve(this.protocols.find((p) => p.id === protocolId && p.active) ?? null);
  }

  /** The next version of the code, as the real one numbers them under its lock. */
  addVersion(_tx: Tx, protocol: NewProtocol): Promise<ProtocolEntity> {
    const versions = this.protocols.filter((p) => p.code === protocol.code).map((p) => p.version);
    const id = fakeId();
    const stored: ProtocolEntity = {
      id,
      code: protocol.code,
      name: protocol.name,
      version: Math.max(0, ...versions) + 1,
      active: true,
      createdAt: new Date(0),
      visits: protocol.visits.map((visit) => ({ ...visit, id: fakeId(), protocolId: id })),
    };
    this.protocols.push(stored);
    return Promise.resolve(stored);
  }

  /** The protocol visit with this id, for a fake schedule to join. */
  visit(protocolVisitId: string): ProtocolVisitEntity | undefined {
    return this.protocols.flatMap((p) => p.visits ?? []).find((v) => v.id === protocolVisitId);
  }
}
