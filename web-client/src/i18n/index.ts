import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';

import en from './locales/en.json';
import nb from './locales/nb.json';

export const LANGUAGES = [
  { code: 'nb', name: 'Norsk bokmål' },
  { code: 'en', name: 'English' },
] as const;

const STORAGE_KEY = 'teamrom.language';

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

export default i18next;
