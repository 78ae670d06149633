import { NOTIFICATION_KINDS, NotificationKind } from './reminder-rules';
import {
  DIGEST_TEXTS,
  Language,
  LANGUAGES,
  NOTIFICATION_TEMPLATES,
  notificationEmail,
  notificationText,
  siteDefaultLanguage,
} from './reminder-texts';

const FACTS = {
  registryId: 'TKY-000123-K',
  visitCode: 'M012',
  windowStart: '2026-12-07',
  windowEnd: '2027-02-01',
  test: 'amyloid_pet',
  trialTitle: 'AHEAD 3-45',
  expiresOn: '2026-07-01',
  address: 'coordinator@example.org',
  failures: 5,
};

describe('notification texts', () => {
  it('exist for every kind in every language, and in no language for a kind that does not exist', () => {
    for (const language of LANGUAGES) {
      expect(Object.keys(NOTIFICATION_TEMPLATES[language]).sort()).toEqual([...NOTIFICATION_KINDS].sort());
      expect(DIGEST_TEXTS[language].intro.length).toBeGreaterThan(0);
    }
    expect(Object.keys(NOTIFICATION_TEMPLATES).sort()).toEqual([...LANGUAGES].sort());
  });

  it.each(LANGUAGES.flatMap((language) => NOTIFICATION_KINDS.map((kind) => [language, kind] as const)))(
    '%s %s: fills every fact it names (no "?" left) and names the participant by registry id only',
    (language, kind) => {
      const text = notificationText(language, kind, FACTS);
      expect(text.subject).not.toContain('?');
      expect(text.body).not.toContain('?');
      if (kind !== NotificationKind.EmailBouncing) expect(text.subject + text.body).toContain('TKY-000123-K');
    },
  );

  it('differ between the languages (a Japanese text is not the English one)', () => {
    for (const kind of NOTIFICATION_KINDS)
      expect(notificationText(Language.Japanese, kind, FACTS).body).not.toBe(
        notificationText(Language.English, kind, FACTS).body,
      );
  });

  it('default to Japanese at a site in Japan and English elsewhere', () => {
    expect(siteDefaultLanguage('JP')).toBe(Language.Japanese);
    expect(siteDefaultLanguage('US')).toBe(Language.English);
  });
});

describe('notification e-mails', () => {
  const visit = notificationText(Language.English, NotificationKind.VisitWindowOpen, FACTS);
  const flag = notificationText(Language.English, NotificationKind.EligibleFlag, FACTS);

  it('send one notification as itself, in plain text and HTML', () => {
    const email = notificationEmail(Language.English, [visit]);
    expect(email.subject).toBe(visit.subject);
    expect(email.text).toContain(visit.body);
    expect(email.html).toContain('TKY-000123-K');
  });

  it('gather several into a digest in the recipient language, escaping HTML', () => {
    const email = notificationEmail(Language.Japanese, [visit, { subject: '<b>x</b>', body: 'a & b' }]);
    expect(email.subject).toBe('トライアルレディ・レジストリ: 新しい通知 2 件');
    expect(email.text).toContain(visit.body);
    expect(email.html).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(email.html).toContain('a &amp; b');
    expect(notificationEmail(Language.English, [visit, flag]).subject).toBe(
      'Trial-ready registry: 2 new notifications',
    );
  });
});
