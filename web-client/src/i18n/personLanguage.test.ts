import { describe, expect, it } from 'vitest';

import { clientLanguageFor } from './personLanguage.ts';

describe('the client language for a person', () => {
  it('is English for someone invited in English, with or without a region', () => {
    expect(clientLanguageFor('en')).toBe('en');
    expect(clientLanguageFor('en-GB')).toBe('en');
  });

  it('is Bokmål for Bokmål', () => {
    expect(clientLanguageFor('nb')).toBe('nb');
  });

  it('falls back to Bokmål for Nynorsk and Northern Sami, which have no web translation yet', () => {
    expect(clientLanguageFor('nn')).toBe('nb');
    expect(clientLanguageFor('se')).toBe('nb');
  });

  it('falls back to Bokmål for other languages', () => {
    expect(clientLanguageFor('ar')).toBe('nb');
    expect(clientLanguageFor('pt-BR')).toBe('nb');
  });
});
