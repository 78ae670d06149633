/**
 * Password rules after NIST SP 800-63B section 5.1.1.2: length over composition rules, no truncation, and no
 * password that is common or derived from the account's own name. Returns the broken rules (empty when fine).
 */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

// A short list of the passwords most often seen in breach corpora (and their obvious registry variants).
const COMMON_PASSWORDS = new Set([
  '123456789012',
  'password1234',
  'passwordpassword',
  'qwertyuiopas',
  '111111111111',
  'iloveyou1234',
  'administrator',
  'letmein12345',
  'welcome12345',
  'changeme1234',
  'trialready123',
  'alzheimer1234',
]);

export interface PasswordProblem {
  constraint: string;
  message: string;
}

export function checkPasswordPolicy(password: string, context: { email?: string } = {}): PasswordProblem[] {
  const problems: PasswordProblem[] = [];
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) {
    problems.push({
      constraint: 'minLength',
      message: `password must be at least ${PASSWORD_MIN_LENGTH} characters`,
    });
  }
  if (length > PASSWORD_MAX_LENGTH) {
    problems.push({
      constraint: 'maxLength',
      message: `password must be at most ${PASSWORD_MAX_LENGTH} characters`,
    });
  }
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower) || /^(.)\1+$/.test(password)) {
    problems.push({ constraint: 'notCommon', message: 'password is too common or repetitive' });
  }
  const localPart = context.email?.split('@')[0]?.toLowerCase();
  if (localPart && localPart.length >= 3 && lower.includes(localPart)) {
    problems.push({ constraint: 'notPersonal', message: 'password must not contain the e-mail address' });
  }
  return problems;
}
