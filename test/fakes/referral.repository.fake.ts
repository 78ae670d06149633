import type { CalendarDate, ReferralContactState } from '@registry/domain';
import type {
  NewReferralRequest,
  RandomisedReferralRow,
  ReferralCandidate,
  ReferralContactEntity,
  ReferralContactRecord,
  ReferralRepository,
  ReferralRequestEntity,
  ReferralRequestRecord,
  SponsorReferralRow,
  Tx,
} from '@registry/persistence';
import { fakeId, Public } from './public';

const OPEN: readonly string[] = ['to_contact', 'interested', 'prescreen_booked'];

/** Referral requests and contacts in memory; what the SQL selects (candidates, funnel rows) is set by the test. */
export class FakeReferralRepository implements Public<ReferralRepository> {
  readonly requests: ReferralRequestEntity[] = [];
  readonly contacts: (ReferralContactEntity & { siteId: string; trialStatus: string })[] = [];
  readonly commitments: {
    participantId: string;
    trialId: string;
    referralContactId: string;
    committedOn: string;
  }[] = [];
  /** What `candidates` answers (every list, whatever the request; filtered by participant when asked). */
  readonly candidateLists = new Map<string, ReferralCandidate[]>();
  /** What `sponsorReferralRows` answers. */
  sponsorRows: SponsorReferralRow[] = [];
  randomised: RandomisedReferralRow[] = [];

  insertRequest(_tx: Tx, request: NewReferralRequest): Promise<ReferralRequestEntity | 'open_exists'> {
    if (
      this.requests.some((r) => r.trialId === request.trialId && r.siteId === request.siteId && !r.closedAt)
    )
      return Promise.resolve('open_exists');
    const stored: ReferralRequestEntity = {
      id: fakeId(),
      ...request,
      createdAt: new Date('2026-12-01T00:00:00Z'),
      closedAt: null,
      closeReason: null,
    };
    this.requests.push(stored);
    return Promise.resolve(stored);
  }

  listRequests(
    _tx: Tx,
    filter: { siteIds: readonly string[] | 'all'; trialId?: string; requestId?: string },
  ): Promise<ReferralRequestRecord[]> {
    return Promise.resolve(
      this.requests
        .filter((r) => filter.siteIds === 'all' || filter.siteIds.includes(r.siteId))
        .filter((r) => !filter.trialId || r.trialId === filter.trialId)
        .filter((r) => !filter.requestId || r.id === filter.requestId)
        .map((r) => ({
          ...r,
          trialTitle: 'A4',
          siteCode: r.siteId.toUpperCase(),
          contacts: {},
        })),
    );
  }

  findRequestForUpdate(_tx: Tx, requestId: string): Promise<ReferralRequestEntity | null> {
    return Promise.resolve(this.requests.find((r) => r.id === requestId) ?? null);
  }

  candidates(
    _tx: Tx,
    _request: { trialId: string; siteId: string },
    _today: CalendarDate,
    limit: number,
    participantId: string | null = null,
  ): Promise<ReferralCandidate[]> {
    const list = [...this.candidateLists.values()].flat();
    return Promise.resolve(
      list.filter((c) => participantId === null || c.participantId === participantId).slice(0, limit),
    );
  }

  firstEligibleFlag(): Promise<Date | null> {
    return Promise.resolve(new Date('2026-11-01T00:00:00Z'));
  }

  insertContact(
    _tx: Tx,
    contact: {
      requestId: string;
      trialId: string;
      participantId: string;
      eligibleSince: Date | null;
      createdBy: string;
    },
  ): Promise<ReferralContactEntity | 'in_open_referral'> {
    if (
      this.contacts.some(
        (c) => c.participantId === contact.participantId && !c.closedAt && OPEN.includes(c.state),
      )
    )
      return Promise.resolve('in_open_referral');
    const request = this.requests.find((r) => r.id === contact.requestId)!;
    return Promise.resolve(this.addContact({ ...contact, siteId: request.siteId }));
  }

  contactsOf(_tx: Tx, requestId: string): Promise<ReferralContactEntity[]> {
    return Promise.resolve(this.contacts.filter((c) => c.requestId === requestId));
  }

  findContactForUpdate(_tx: Tx, contactId: string): Promise<ReferralContactRecord | null> {
    const contact = this.contacts.find((c) => c.id === contactId);
    return Promise.resolve(contact ? { ...contact } : null);
  }

  updateContact(_tx: Tx, contactId: string, fields: Partial<ReferralContactEntity>): Promise<void> {
    Object.assign(
      this.contacts.find((c) => c.id === contactId)!,
      fields,
    );
    return Promise.resolve();
  }

  insertCommitment(
    _tx: Tx,
    commitment: {
      participantId: string;
      trialId: string;
      referralContactId: string;
      committedOn: CalendarDate;
    },
  ): Promise<void> {
    this.commitments.push(commitment);
    return Promise.resolve();
  }

  closeOpenOfTrial(
    _tx: Tx,
    trialId: string,
    reason: string,
  ): Promise<{ requests: number; contacts: number; participantIds: string[] }> {
    const contacts = this.contacts.filter(
      (c) => c.trialId === trialId && !c.closedAt && OPEN.includes(c.state),
    );
    for (const c of contacts) Object.assign(c, { closedAt: new Date(), closeReason: reason });
    const requests = this.requests.filter((r) => r.trialId === trialId && !r.closedAt);
    for (const r of requests) Object.assign(r, { closedAt: new Date(), closeReason: reason });
    return Promise.resolve({
      requests: requests.length,
      contacts: contacts.length,
      participantIds: contacts.map((c) => c.participantId),
    });
  }

  closeOpenOfParticipant(_tx: Tx, participantId: string, reason: string): Promise<number> {
    const open = this.contacts.filter(
      (c) => c.participantId === participantId && !c.closedAt && OPEN.includes(c.state),
    );
    for (const c of open) Object.assign(c, { closedAt: new Date(), closeReason: reason });
    return Promise.resolve(open.length);
  }

  requestedSites(
    _tx: Tx,
    trialId: string,
  ): Promise<{ siteId: string; siteCode: string; requested: number }[]> {
    return Promise.resolve(
      this.requests
        .filter((r) => r.trialId === trialId)
        .map((r) => ({ siteId: r.siteId, siteCode: r.siteId.toUpperCase(), requested: r.requestedCount })),
    );
  }

  sponsorReferralRows(): Promise<SponsorReferralRow[]> {
    return Promise.resolve(this.sponsorRows);
  }

  randomisedReferrals(): Promise<RandomisedReferralRow[]> {
    return Promise.resolve(this.randomised);
  }

  /** Stores a contact with plausible defaults for what the test does not care about. */
  addContact(
    fields: Partial<ReferralContactEntity> & {
      requestId: string;
      trialId: string;
      participantId: string;
      siteId: string;
      state?: ReferralContactState;
    },
  ): ReferralContactEntity & { siteId: string; trialStatus: string } {
    const contact = {
      id: fakeId(),
      state: 'to_contact' as ReferralContactState,
      screenFailReason: null,
      note: null,
      eligibleSince: null,
      interestedAt: null,
      bookedAt: null,
      randomisedOn: null,
      flagsSuppressedUntil: null,
      createdBy: 'coordinator',
      createdAt: new Date('2026-12-01T00:00:00Z'),
      updatedAt: new Date('2026-12-01T00:00:00Z'),
      closedAt: null,
      closeReason: null,
      trialStatus: 'recruiting',
      ...fields,
    };
    this.contacts.push(contact);
    return contact;
  }
}
