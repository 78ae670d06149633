import { Environment } from '@registry/config';
import { ErrorKind } from '@registry/platform';
import {
  admin,
  FakeAuditRepository,
  FakeRateLimiter,
  FakeTransactions,
  refusal,
  sponsorOf,
} from '../../../../test/fakes';
import { SponsorQueryGate } from './sponsor-query-gate';

const LIMIT = 3;
const WINDOW = 3600;
const NEURO = 'org-neuro';
const TRIAL = 'trial-1';

function setUp() {
  const rateLimiter = new FakeRateLimiter();
  const audit = new FakeAuditRepository();
  const transactions = new FakeTransactions();
  const config = Object.assign(new Environment(), {
    SPONSOR_QUERY_LIMIT: LIMIT,
    SPONSOR_QUERY_WINDOW_SECONDS: WINDOW,
  });
  const gate = new SponsorQueryGate(rateLimiter, transactions, audit, config);
  return { gate, rateLimiter, audit, transactions };
}

describe('SponsorQueryGate', () => {
  it('lets an admin through without counting anything', async () => {
    const { gate, rateLimiter, audit } = setUp();
    for (let query = 0; query < LIMIT + 2; query++) {
      await gate.admitQuery(admin(), 'feasibility', `hash-${query}`);
      await gate.admitPoolRead(admin(), TRIAL, query + 1);
    }
    expect(rateLimiter.hits).toEqual([]);
    expect(audit.entries).toEqual([]);
  });

  it('counts each query of a sponsor against its organisation, whoever of it asks, and admits them up to the limit', async () => {
    const { gate, rateLimiter, audit } = setUp();
    const alice = { ...sponsorOf(NEURO), userId: 'alice' };
    const bob = { ...sponsorOf(NEURO), userId: 'bob' };

    await gate.admitQuery(alice, 'feasibility', 'hash-a');
    await gate.admitQuery(bob, 'feasibility', 'hash-b', TRIAL);
    await gate.admitQuery(alice, 'pool', 'hash-c', TRIAL);

    expect(rateLimiter.hits).toEqual(
      Array(LIMIT).fill({ action: 'sponsor-query', subject: NEURO, limit: LIMIT, windowSeconds: WINDOW }),
    );
    expect(audit.entries).toEqual([]);
  });

  it('refuses the query past the limit with 429 and the wait, auditing exactly that refusal', async () => {
    const { gate, audit, transactions } = setUp();
    const sponsor = sponsorOf(NEURO);
    for (let query = 0; query < LIMIT; query++)
      await gate.admitQuery(sponsor, 'feasibility', `hash-${query}`);

    const error = await refusal(gate.admitQuery(sponsor, 'feasibility', 'hash-over', TRIAL));

    expect(error).toMatchObject({
      kind: ErrorKind.TooManyRequests,
      code: 'sponsor.queries_rate_limited',
      meta: { retryAfterSeconds: WINDOW },
    });
    expect(audit.entries).toEqual([
      {
        action: 'sponsor_query.refused',
        entityType: 'sponsor_organisation',
        entityId: NEURO,
        changes: [
          { field: 'kind', old: null, new: 'feasibility' },
          { field: 'queryHash', old: null, new: 'hash-over' },
          { field: 'trialId', old: null, new: TRIAL },
          { field: 'retryAfterSeconds', old: null, new: WINDOW },
        ],
      },
    ]);
    expect(transactions.opened).toBe(1);
  });

  it('does not count one organisation’s queries against another', async () => {
    const { gate } = setUp();
    for (let query = 0; query < LIMIT; query++) await gate.admitQuery(sponsorOf(NEURO), 'feasibility', 'h');
    await expect(gate.admitQuery(sponsorOf('org-academic'), 'feasibility', 'h')).resolves.toBeUndefined();
  });

  it('counts a pool read once per criteria version, and again for each new version', async () => {
    const { gate, rateLimiter } = setUp();
    const sponsor = sponsorOf(NEURO);

    await gate.admitPoolRead(sponsor, TRIAL, 1);
    await gate.admitPoolRead(sponsor, TRIAL, 1);
    expect(rateLimiter.hits).toHaveLength(1);

    await gate.admitPoolRead(sponsor, TRIAL, 2);
    expect(rateLimiter.hits).toHaveLength(2);
    await gate.admitPoolRead(sponsor, 'trial-2', 1);
    expect(rateLimiter.hits).toHaveLength(3);
  });

  it('refuses a pool read at a new version past the limit, auditing it, and the refused read does not make the next one free', async () => {
    const { gate, rateLimiter, audit } = setUp();
    const sponsor = sponsorOf(NEURO);
    for (let version = 1; version <= LIMIT; version++) await gate.admitPoolRead(sponsor, TRIAL, version);
    // Versions already read are still answered: the same question reveals nothing new.
    await gate.admitPoolRead(sponsor, TRIAL, 1);

    const error = await refusal(gate.admitPoolRead(sponsor, TRIAL, LIMIT + 1));
    expect(error.meta).toEqual({ retryAfterSeconds: WINDOW });
    expect(audit.only('sponsor_query.refused').changes).toEqual([
      { field: 'kind', old: null, new: 'pool' },
      { field: 'trialId', old: null, new: TRIAL },
      { field: 'criteriaVersion', old: null, new: LIMIT + 1 },
      { field: 'retryAfterSeconds', old: null, new: WINDOW },
    ]);

    await refusal(gate.admitPoolRead(sponsor, TRIAL, LIMIT + 1));
    expect(rateLimiter.hits).toHaveLength(LIMIT + 2);
    expect(audit.entries).toHaveLength(2);
  });
});
