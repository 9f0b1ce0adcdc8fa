import { type Language, LOCALES } from './i18n/index.js';

const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

/**
 * Building an Intl formatter costs far more than using one, and a listing formats two
 * values a row: each formatter is built once per language and options, then reused.
 */
const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

function cached<T extends Intl.NumberFormat | Intl.DateTimeFormat>(key: string, make: () => T): T {
  let formatter = formatters.get(key) as T | undefined;
  if (!formatter) {
    formatter = make();
    formatters.set(key, formatter);
  }
  return formatter;
}

/** 1024-based, as phones and computers show sizes, with the language's own unit names. */
export function formatBytes(bytes: number, language: Language): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  // Short English and French forms ("MB", "Mo") are familiar; short Arabic ones ("م.ب")
  // are not, and "12 byte" needs the long form to take its plural.
  const long = language === 'ar' || unit === 0;
  const formatter = cached(
    `bytes:${language}:${unit}:${long}:${digits}`,
    () =>
      new Intl.NumberFormat(LOCALES[language], {
        style: 'unit',
        unit: UNITS[unit],
        unitDisplay: long ? 'long' : 'short',
        maximumFractionDigits: digits,
      }),
  );
  return formatter.format(value);
}

export function formatDate(date: Date, language: Language): string {
  const formatter = cached(
    `date:${language}`,
    () => new Intl.DateTimeFormat(LOCALES[language], { dateStyle: 'medium', timeStyle: 'short' }),
  );
  return formatter.format(date);
}

export function formatDay(date: Date, language: Language): string {
  const formatter = cached(
    `day:${language}`,
    () => new Intl.DateTimeFormat(LOCALES[language], { dateStyle: 'long' }),
  );
  return formatter.format(date);
}
