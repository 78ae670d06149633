import { NotificationKind } from './reminder-rules';

/** The languages of the registry's users. */
export enum Language {
  Japanese = 'ja',
  English = 'en',
}

export const LANGUAGES = Object.values(Language);

/** A user's language when they have chosen none: Japanese at a site in Japan, English elsewhere. */
export function siteDefaultLanguage(siteCountry: string): Language {
  return siteCountry === 'JP' ? Language.Japanese : Language.English;
}

/**
 * What a notification text may name. Registry ids only: never a name, a birth date or any contact detail
 * (texts are e-mailed). Every field is optional; a template reads the ones of its kind.
 */
export interface NotificationFacts {
  registryId?: string;
  visitCode?: string;
  windowStart?: string;
  windowEnd?: string;
  test?: string;
  trialTitle?: string;
  expiresOn?: string;
  /** For admins only (email_bouncing): the refusing address, which is a user's, not a participant's. */
  address?: string;
  failures?: number;
}

export interface NotificationText {
  subject: string;
  body: string;
}

type Template = (facts: NotificationFacts) => NotificationText;

const f = (value: string | number | undefined) => (value === undefined ? '?' : String(value));

/** Every notification text, per language and kind; a spec fails if a kind lacks a language. */
export const NOTIFICATION_TEMPLATES: Record<Language, Record<NotificationKind, Template>> = {
  [Language.English]: {
    [NotificationKind.VisitWindowOpensSoon]: (x) => ({
      subject: `Visit ${f(x.visitCode)} for ${f(x.registryId)}: window opens ${f(x.windowStart)}`,
      body: `The ${f(x.visitCode)} visit window for participant ${f(x.registryId)} opens on ${f(x.windowStart)} and closes on ${f(x.windowEnd)}. Please book the visit.`,
    }),
    [NotificationKind.VisitWindowOpen]: (x) => ({
      subject: `Visit ${f(x.visitCode)} for ${f(x.registryId)}: window open until ${f(x.windowEnd)}`,
      body: `The ${f(x.visitCode)} visit window for participant ${f(x.registryId)} is open from ${f(x.windowStart)} to ${f(x.windowEnd)}.`,
    }),
    [NotificationKind.VisitWindowClosesSoon]: (x) => ({
      subject: `Visit ${f(x.visitCode)} for ${f(x.registryId)}: window closes ${f(x.windowEnd)}`,
      body: `No visit is recorded yet for ${f(x.visitCode)} of participant ${f(x.registryId)}; its window closes on ${f(x.windowEnd)}.`,
    }),
    [NotificationKind.VisitMissed]: (x) => ({
      subject: `Visit ${f(x.visitCode)} for ${f(x.registryId)} missed`,
      body: `The ${f(x.visitCode)} visit window for participant ${f(x.registryId)} closed on ${f(x.windowEnd)} without a visit. The visit is marked missed.`,
    }),
    [NotificationKind.ResultExpiring]: (x) => ({
      subject: `Re-test to stay trial-ready: ${f(x.registryId)}, ${f(x.test)} for ${f(x.trialTitle)}`,
      body: `The ${f(x.test)} result of participant ${f(x.registryId)} counts for ${f(x.trialTitle)} until ${f(x.expiresOn)}. Re-test by then to keep them trial-ready.`,
    }),
    [NotificationKind.EligibleFlag]: (x) => ({
      subject: `${f(x.registryId)} is eligible for ${f(x.trialTitle)}`,
      body: `Participant ${f(x.registryId)} meets the criteria of ${f(x.trialTitle)}. See the flag to approach them.`,
    }),
    [NotificationKind.OneTestAwayFlag]: (x) => ({
      subject: `${f(x.registryId)} is one test away from ${f(x.trialTitle)}`,
      body: `Participant ${f(x.registryId)} needs one more test (${f(x.test)}) to be judged for ${f(x.trialTitle)}.`,
    }),
    [NotificationKind.EmailBouncing]: (x) => ({
      subject: `E-mail to ${f(x.address)} keeps failing`,
      body: `${f(x.failures)} e-mails to ${f(x.address)} were refused permanently. Please check the user's address.`,
    }),
  },
  [Language.Japanese]: {
    [NotificationKind.VisitWindowOpensSoon]: (x) => ({
      subject: `${f(x.registryId)} の ${f(x.visitCode)} 来院ウィンドウが ${f(x.windowStart)} に開きます`,
      body: `参加者 ${f(x.registryId)} の ${f(x.visitCode)} 来院ウィンドウは ${f(x.windowStart)} から ${f(x.windowEnd)} までです。来院の予約をお願いします。`,
    }),
    [NotificationKind.VisitWindowOpen]: (x) => ({
      subject: `${f(x.registryId)} の ${f(x.visitCode)} 来院ウィンドウが開いています（${f(x.windowEnd)} まで）`,
      body: `参加者 ${f(x.registryId)} の ${f(x.visitCode)} 来院ウィンドウは ${f(x.windowStart)} から ${f(x.windowEnd)} まで開いています。`,
    }),
    [NotificationKind.VisitWindowClosesSoon]: (x) => ({
      subject: `${f(x.registryId)} の ${f(x.visitCode)} 来院ウィンドウが ${f(x.windowEnd)} に閉じます`,
      body: `参加者 ${f(x.registryId)} の ${f(x.visitCode)} 来院はまだ記録されていません。ウィンドウは ${f(x.windowEnd)} に閉じます。`,
    }),
    [NotificationKind.VisitMissed]: (x) => ({
      subject: `${f(x.registryId)} の ${f(x.visitCode)} 来院が未実施です`,
      body: `参加者 ${f(x.registryId)} の ${f(x.visitCode)} 来院ウィンドウは来院のないまま ${f(x.windowEnd)} に閉じました。この来院は未実施として記録されました。`,
    }),
    [NotificationKind.ResultExpiring]: (x) => ({
      subject: `再検査のお願い: ${f(x.registryId)}（${f(x.test)}、${f(x.trialTitle)}）`,
      body: `参加者 ${f(x.registryId)} の ${f(x.test)} の結果は ${f(x.expiresOn)} まで ${f(x.trialTitle)} の基準に有効です。治験参加の準備状態を保つため、それまでに再検査をお願いします。`,
    }),
    [NotificationKind.EligibleFlag]: (x) => ({
      subject: `${f(x.registryId)} は ${f(x.trialTitle)} の適格基準を満たしています`,
      body: `参加者 ${f(x.registryId)} は ${f(x.trialTitle)} の適格基準を満たしています。フラグを確認し、ご連絡ください。`,
    }),
    [NotificationKind.OneTestAwayFlag]: (x) => ({
      subject: `${f(x.registryId)} は ${f(x.trialTitle)} まであと一つの検査です`,
      body: `参加者 ${f(x.registryId)} は ${f(x.trialTitle)} の判定にあと一つの検査（${f(x.test)}）が必要です。`,
    }),
    [NotificationKind.EmailBouncing]: (x) => ({
      subject: `${f(x.address)} へのメール送信が失敗し続けています`,
      body: `${f(x.address)} へのメールが ${f(x.failures)} 回、恒久的に拒否されました。ユーザーのアドレスをご確認ください。`,
    }),
  },
};

/** A notification's subject and body in a language. */
export function notificationText(
  language: Language,
  kind: NotificationKind,
  facts: NotificationFacts,
): NotificationText {
  return NOTIFICATION_TEMPLATES[language][kind](facts);
}

/** Per-language wording of the daily digest e-mail around the notifications it lists. */
export const DIGEST_TEXTS: Record<Language, { subject: (count: number) => string; intro: string }> = {
  [Language.English]: {
    subject: (count) => `Trial-ready registry: ${count} new notification${count === 1 ? '' : 's'}`,
    intro: 'New notifications in your registry inbox:',
  },
  [Language.Japanese]: {
    subject: (count) => `トライアルレディ・レジストリ: 新しい通知 ${count} 件`,
    intro: 'レジストリの受信箱に新しい通知があります:',
  },
};

/** An e-mail ready to send: the same text as plain text and as HTML. */
export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/**
 * The e-mail of one notification (sent at once), or the daily digest of several, in the recipient's language.
 * Made from the notifications' stored texts only, which name participants by registry id alone.
 */
export function notificationEmail(
  language: Language,
  notifications: readonly NotificationText[],
): EmailContent {
  if (notifications.length === 1) {
    const [only] = notifications;
    return {
      subject: only.subject,
      text: `${only.body}\n`,
      html: `<p>${escapeHtml(only.body)}</p>`,
    };
  }
  const digest = DIGEST_TEXTS[language];
  return {
    subject: digest.subject(notifications.length),
    text: [digest.intro, '', ...notifications.map((n) => `- ${n.subject}\n  ${n.body}`), ''].join('\n'),
    html: `<p>${escapeHtml(digest.intro)}</p><ul>${notifications
      .map((n) => `<li><strong>${escapeHtml(n.subject)}</strong><br>${escapeHtml(n.body)}</li>`)
      .join('')}</ul>`,
  };
}
