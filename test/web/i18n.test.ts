import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERRORS } from '../../src/errors.js';
import { dictionaries, LANGUAGES } from '../../src/web/i18n/index.js';
import { headersLanguage, negotiateLanguage } from '../../src/web/i18n/negotiate.js';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('translations', () => {
  const english = dictionaries.en;

  for (const language of LANGUAGES) {
    it(`${language} has every key, none empty, with the same placeholders as English`, () => {
      const dictionary = dictionaries[language];
      assert.deepEqual(Object.keys(dictionary).sort(), Object.keys(english).sort());
      for (const [key, text] of Object.entries(dictionary)) {
        assert.ok(text.trim().length > 0, `${language}: ${key} is empty`);
        const wanted = placeholders(english[key as keyof typeof english]);
        assert.deepEqual(placeholders(text), wanted, `${language}: ${key} placeholders`);
      }
    });

    it(`${language} has a message for every error code of the catalog`, () => {
      const dictionary: Record<string, string> = dictionaries[language];
      for (const code of Object.keys(ERRORS)) {
        assert.ok(dictionary[`error.${code}`]?.trim(), `${language}: error ${code} is missing`);
      }
    });
  }

  it('Arabic and French are translated, not English left in place', () => {
    // Words French shares with English, and the brand.
    const shared = {
      ar: [],
      fr: ['site.name', 'files.actions', 'files.pagination', 'upload.pause'],
    };
    for (const language of ['ar', 'fr'] as const) {
      const same = Object.keys(english).filter(
        (key) =>
          dictionaries[language][key as keyof typeof english] ===
          english[key as keyof typeof english],
      );
      assert.deepEqual(same, shared[language], `${language} keys left in English`);
    }
    for (const text of Object.values(dictionaries.ar)) assert.match(text, /\p{Script=Arabic}/u);
  });
});

describe('language negotiation (Accept-Language)', () => {
  for (const [header, expected] of [
    [undefined, 'en'],
    ['', 'en'],
    ['*', 'en'],
    ['ar-DZ,ar;q=0.9,fr;q=0.8', 'ar'],
    ['fr-FR,fr;q=0.9,en;q=0.8', 'fr'],
    ['de-DE,de;q=0.9', 'en'],
    ['de;q=1, fr;q=0.5, ar;q=0.7', 'ar'],
    ['ar;q=0, fr', 'fr'],
    ['AR-dz', 'ar'],
    ['en;q=abc, fr;q=0.1', 'fr'],
    [`${'x,'.repeat(5000)}ar`, 'en'],
    ['; q=1, ,,,', 'en'],
  ] as const) {
    it(`${JSON.stringify(header)?.slice(0, 40)} → ${expected}`, () => {
      assert.equal(negotiateLanguage(header), expected);
    });
  }

  it('prefers the remembered choice in the cookie, and ignores a forged one', () => {
    const base = { 'accept-language': 'fr' };
    assert.equal(headersLanguage({ ...base, cookie: 'a=b; KhaznatiLang=ar' }), 'ar');
    assert.equal(headersLanguage({ ...base, cookie: 'KhaznatiLang=xx' }), 'fr');
    assert.equal(headersLanguage({ ...base, cookie: 'NotKhaznatiLang=ar' }), 'fr');
  });
});
