import { useTranslation } from 'react-i18next';

import { LANGUAGES, chooseLanguage } from '../i18n/index.ts';

export function LanguageSelect() {
  const { t, i18n } = useTranslation();

  return (
    <label className="language">
      <span>{t('app.language')}</span>
      <select value={i18n.language} onChange={(e) => chooseLanguage(e.target.value)}>
        {LANGUAGES.map((l) => (
          <option key={l.code} value={l.code} lang={l.code}>
            {l.name}
          </option>
        ))}
      </select>
    </label>
  );
}
