/** The public members of a class: what a fake of a repository must provide to stand in for it. */
export type Public<T> = { [K in keyof T]: T[K] };

/** A fake `Tx`: services only pass it on to repositories, which in fakes ignore it. */
export const FAKE_TX = Object.freeze({ fake: 'transaction' }) as never;

let sequence = 0;
/** A fresh UUID-shaped id for rows a fake stores. */
export function fakeId(): string {
  sequence += 1;
  return `00000000-0000-4000-8000-${sequence.toString(16).padStart(12, '0')}`;
}
