import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { LanguageSelect } from './LanguageSelect.tsx';

interface DemoLink {
  name: string;
  role: string;
  url: string;
  /** For team members, when the server offers it: their staff pages, signed in. */
  homeUrl?: string;
}

export function Home() {
  const { t } = useTranslation();
  const [links, setLinks] = useState<DemoLink[]>([]);

  useEffect(() => {
    fetch('/api/demo/links')
      .then((res) => (res.ok ? (res.json() as Promise<DemoLink[]>) : []))
      .then(setLinks, () => setLinks([]));
  }, []);

  return (
    <div className="page home">
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="topbar">
        <h1>{t('home.title')}</h1>
        <LanguageSelect />
      </header>
      <main id="main">
        <p className="lead">{t('home.intro')}</p>
        <p>{t('home.needLink')}</p>
        {links.length > 0 && (
          <section aria-labelledby="demo-title">
            <h2 id="demo-title">{t('home.demoTitle')}</h2>
            <p>{t('home.demoIntro')}</p>
            <ul className="demo-links">
              {links.map((link) => (
                <li key={link.url}>
                  <a href={link.url} target="_blank" rel="noreferrer">
                    {t('home.join', { name: link.name })}
                  </a>{' '}
                  <span className="muted">({t(`role.${link.role}`)})</span>
                  {link.homeUrl && (
                    <>
                      {' · '}
                      <a href={link.homeUrl} target="_blank" rel="noreferrer">
                        {t('home.staffPages', { name: link.name })}
                      </a>
                    </>
                  )}
                </li>
              ))}
            </ul>
          </section>
        )}
      </main>
    </div>
  );
}
