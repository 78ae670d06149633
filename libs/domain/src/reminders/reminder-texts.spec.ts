import { NOTIFICATION_KINDS, NotificationKind } from './reminder-rules';
import {
  DIGEST_TEXTS,
  Language,
  LANGUAGES,
  NOTIFICATION_TEMPLATES,
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
