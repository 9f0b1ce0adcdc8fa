import { type Language, LOCALES } from './i18n/index.js';

const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

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
  return new Intl.NumberFormat(LOCALES[language], {
    style: 'unit',
    unit: UNITS[unit],
    unitDisplay: long ? 'long' : 'short',
    maximumFractionDigits: digits,
  }).format(value);
}

export function formatDate(date: Date, language: Language): string {
  return new Intl.DateTimeFormat(LOCALES[language], {
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(date);
}

export function formatDay(date: Date, language: Language): string {
  return new Intl.DateTimeFormat(LOCALES[language], { dateStyle: 'long' }).format(date);
}
