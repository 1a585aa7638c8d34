/** Languages the web client is translated into. */
export type ClientLanguage = 'nb' | 'en';

/**
 * The client language for a person's recorded language (`en`, `nb`, `se`, `pt-BR`, ...): English
 * for English, Bokmål for everything else, as the invitation texts fall back to Bokmål.
 *
 * LIMITATION: the web client has no Nynorsk (`nn`) or Northern Sami (`se`) translation yet;
 * those invited in them read the pages in Bokmål, though their invitation text is in their own
 * language.
 */
export function clientLanguageFor(language: string): ClientLanguage {
  const primary = language.toLowerCase().split('-')[0];

  return primary === 'en' ? 'en' : 'nb';
}
