import { describe, expect, it } from 'vitest';

import type { InvitationFacts } from './invitationText.ts';
import { invitationLanguage, invitationText, roleLabel } from './invitationText.ts';

const facts = (overrides: Partial<InvitationFacts> = {}): InvitationFacts => ({
  role: 'patient',
  language: 'nb',
  startsAt: new Date('2027-03-29T08:00:00Z'),
  durationMinutes: 45,
  isRecurring: false,
  joinUrl: 'https://teamrom.test/m/abc#link=xyz',
  isUpdate: false,
  isCancelled: false,
  interpreterLanguage: null,
  ...overrides,
});

/** The five things the patient is told, by words each language's text must hold. */
const STATEMENTS: Record<string, RegExp[]> = {
  nb: [
    /frivillig.*fysisk møte/,
    /Ingenting blir tatt opp/,
    /dokumentert i journalen/,
    /uforstyrret/,
    /presentere seg/,
  ],
  nn: [
    /frivillig.*fysisk møte/,
    /Ingenting blir teke opp/,
    /dokumentert i journalen/,
    /uforstyrra/,
    /presentere seg/,
  ],
  en: [
    /voluntary.*in person/,
    /Nothing is recorded/,
    /documented in your health record/,
    /private/,
    /introduce themselves/,
  ],
  se: [/eaktodáhtolaš.*fysalaš/, /ii báddejuvvo/, /journálii/, /ráfis/, /ovdanbuktit/],
};

describe("the patient's invitation", () => {
  it.each(Object.entries(STATEMENTS))(
    'in %s says all five things the patient must know',
    (language, statements) => {
      const text = invitationText(facts({ language }));

      expect(text.language).toBe(language);
      for (const statement of statements) expect(text.body).toMatch(statement);
    },
  );

  it('gives the time in Oslo, the length and the personal link', () => {
    const { body } = invitationText(facts());

    expect(body).toContain('mandag 29. mars 2027 kl. 10:00');
    expect(body).toContain('45 minutter');
    expect(body).toContain('https://teamrom.test/m/abc#link=xyz');
    expect(body).toContain('30 minutter før');
  });

  it('says the time is Norwegian in English', () => {
    expect(invitationText(facts({ language: 'en' })).body).toContain('at 10:00 (Norwegian time)');
  });

  it('falls back to Bokmål for a language without a text, and says what was asked for', () => {
    const text = invitationText(facts({ language: 'ar' }));

    expect(text).toMatchObject({ language: 'nb', requestedLanguage: 'ar' });
    expect(text.body).toContain('Ingenting blir tatt opp');
    expect(invitationLanguage('en-GB')).toBe('en');
  });

  it('names nobody and says nothing of the purpose, since it travels into calendars', () => {
    const { subject, body } = invitationText(facts());

    expect(`${subject}\n${body}`).not.toMatch(/Astrid|Solberg|KOLS/);
  });

  it('is marked as changed after a reschedule and as cancelled after a cancellation', () => {
    expect(invitationText(facts({ isUpdate: true })).subject).toMatch(/^Endret: /);

    const cancelled = invitationText(facts({ isCancelled: true, isUpdate: true }));

    expect(cancelled.subject).toMatch(/^Avlyst: /);
    expect(cancelled.body).toContain('er avlyst');
    expect(cancelled.body).not.toContain('https://');
  });
});

describe('other invitations', () => {
  it("tell a relative four of the five, the choice of video being the patient's", () => {
    const { body } = invitationText(facts({ role: 'relative' }));

    expect(body).not.toMatch(/frivillig/);
    expect(body).toMatch(/Ingenting blir tatt opp/);
    expect(body).toMatch(/pasientens journal/);
    expect(body).toMatch(/presentere seg/);
  });

  it('tell an interpreter the language and that the link is personal', () => {
    const { body } = invitationText(
      facts({ role: 'interpreter', interpreterLanguage: 'ar', language: 'nb' }),
    );

    expect(body).toContain('tolk (arabisk)');
    expect(body).toContain('Lenken er personlig');
  });

  it('tell staff to join from My meetings', () => {
    const { body } = invitationText(facts({ role: 'nurse' }));

    expect(body).toContain('«Mine møter»');
    expect(body).not.toMatch(/frivillig|Lenken er personlig/);
  });

  it('name patients and relatives in calendars by role, in the reader’s language', () => {
    expect(roleLabel('patient', 'nb')).toBe('Pasient');
    expect(roleLabel('relative', 'en')).toBe('Relative');
    expect(roleLabel('interpreter', 'pl')).toBe('Tolk');
  });
});
