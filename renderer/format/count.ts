// Grouped the English way whatever the browser's locale, so a count reads the same on every screen
// and to every reader ("12.345" is twelve thousand to some staff and twelve to others).
const grouping = new Intl.NumberFormat('en');

/** 12345 → "12,345": how every screen shows a count of rows, messages, entries or resources. */
export const formatCount = (n: number | null | undefined): string =>
  n === null || n === undefined ? '—' : grouping.format(n);
