// How record values are written to SQL columns: JSON-ish fields as text, booleans as 0/1 (both dialects read
// those back; see toRecord in sql-store.ts).
export const json = (value: unknown): string => JSON.stringify(value);
export const bool = (value: boolean): number => (value ? 1 : 0);
