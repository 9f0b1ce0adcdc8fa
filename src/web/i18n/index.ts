import { ar } from './ar.js';
import { en, type MessageKey, type Messages } from './en.js';
import { fr } from './fr.js';

export const LANGUAGES = ['ar', 'fr', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

export const dictionaries: Record<Language, Messages> = { ar, fr, en };

/** Each language's own name, shown the same whichever language the page is in. */
export const LANGUAGE_NAMES: Record<Language, string> = {
  ar: 'العربية',
  fr: 'Français',
  en: 'English',
};

/**
 * The locale Intl formats with. Algeria writes Western digits in Arabic (ar-DZ), and
 * French and British English give the 24-hour clock people here expect.
 */
export const LOCALES: Record<Language, string> = { ar: 'ar-DZ', fr: 'fr', en: 'en-GB' };

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

export function directionOf(language: Language): 'ltr' | 'rtl' {
  return language === 'ar' ? 'rtl' : 'ltr';
}

export function fillIn(template: string, values?: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (match, name: string) =>
    values && name in values ? String(values[name]) : match,
  );
}

export function translator(language: Language): Translate {
  const dictionary = dictionaries[language];
  return (key, values) => fillIn(dictionary[key], values);
}

export type { MessageKey };
