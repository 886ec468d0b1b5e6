// Type-level equality, so a schema and the protocol type it stands for cannot drift apart unnoticed.

/** True only when A and B accept exactly the same values. */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** Fails to compile unless T is true (one Assert per pair: `true & false` is never, which passes). */
export type Assert<T extends true> = T;
