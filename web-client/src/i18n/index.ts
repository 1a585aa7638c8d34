import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';

import en from './locales/en.json';
import nb from './locales/nb.json';
import { clientLanguageFor } from './personLanguage.ts';

export const LANGUAGES = [
  { code: 'nb', name: 'Norsk bokmål' },
  { code: 'en', name: 'English' },
] as const;

const STORAGE_KEY = 'teamrom.language';
/** Set once the person picked a language themselves, rather than taking the default. */
const CHOSEN_KEY = 'teamrom.languageChosen';

function initialLanguage(): string {
  const stored = localStorage.getItem(STORAGE_KEY);

  return LANGUAGES.some((l) => l.code === stored) ? stored! : 'nb';
}

void i18next.use(initReactI18next).init({
  resources: { nb: { translation: nb }, en: { translation: en } },
  lng: initialLanguage(),
  fallbackLng: 'nb',
  interpolation: { escapeValue: false },
});

i18next.on('languageChanged', (lng) => {
  document.documentElement.lang = lng;
  localStorage.setItem(STORAGE_KEY, lng);
});
document.documentElement.lang = i18next.language;

/** The person picks the language of the client. */
export function chooseLanguage(language: string): void {
  localStorage.setItem(CHOSEN_KEY, 'true');
  void i18next.changeLanguage(language);
}

/**
 * Speaks the language the person was invited in (their recorded language), unless they picked one
 * here themselves. `<html lang>` follows.
 */
export function adoptPersonLanguage(language: string): void {
  if (hasChosenLanguage()) return;

  const adopted = clientLanguageFor(language);

  if (adopted !== i18next.language) void i18next.changeLanguage(adopted);
}

/** Whether the person picked the client's language themselves. */
export function hasChosenLanguage(): boolean {
  return localStorage.getItem(CHOSEN_KEY) !== null;
}

export default i18next;
