import { checkPasswordPolicy } from './password-policy';

describe('checkPasswordPolicy', () => {
  it('accepts a long passphrase', () => {
    expect(checkPasswordPolicy('correct horse battery staple', { email: 'kim@site.example' })).toEqual([]);
  });

  it.each([
    ['short1!', 'minLength'],
    ['x'.repeat(129), 'maxLength'],
    ['password1234', 'notCommon'],
    ['aaaaaaaaaaaaaaa', 'notCommon'],
    ['yuki.tanaka-2026-spring', 'notPersonal'],
  ])('refuses %j (%s)', (password, constraint) => {
    expect(
      checkPasswordPolicy(password, { email: 'yuki.tanaka@tky.example' }).map((p) => p.constraint),
    ).toContain(constraint);
  });

  it('counts characters, not UTF-16 units', () => {
    expect(checkPasswordPolicy('認知症予防試験の登録簿です')).toEqual([]);
  });
});
