// Property-based fuzzing of the HTTP surface (issue 16): what fuzz.test.ts uses, by concept in this folder.

export * from './bodies.ts';
export * from './budget.ts';
export * from './headers.ts';
export * from './oracles.ts';
export * from './requests.ts';
export * from './values.ts';
