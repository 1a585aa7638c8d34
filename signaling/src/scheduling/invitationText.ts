import type { InvitationLanguage, InvitationText, ParticipantRole } from '../protocol/index.ts';
import { INVITATION_LANGUAGES, LINK_OPENS_MINUTES_BEFORE } from '../protocol/index.ts';

/** What an invitation says, and to whom. */
export interface InvitationFacts {
  role: ParticipantRole;
  /** The participant's language; one without a text here gets Bokmål. */
  language: string;
  startsAt: Date;
  durationMinutes: number;
  isRecurring: boolean;
  joinUrl: string;
  /** The invitation replaces an earlier one (a new time, new participants). */
  isUpdate: boolean;
  isCancelled: boolean;
  interpreterLanguage: string | null;
}

interface Words {
  locale: string;
  /** After the date and time, where the reader may not assume Norwegian time. */
  zoneNote: string;
  subject: { patient: string; relative: string; staff: string };
  updated: string;
  cancelled: string;
  cancelledBody: (when: string) => string;
  invited: { patient: string; relative: string; staff: string };
  when: (when: string, minutes: number) => string;
  recurring: string;
  howToJoin: string;
  personal: string;
  staffJoin: string;
  interpreter: (language: string) => string;
  goodToKnow: string;
  /**
   * What the patient is told before a video meeting: that video is voluntary and a physical visit
   * can be had instead, that nothing is recorded, that the meeting is documented in the record,
   * to sit somewhere private, and that anyone else in the room must be introduced.
   */
  patientStatements: [string, string, string, string, string];
  /** The same for relatives, but the first, which is the patient's choice. */
  relativeStatements: [string, string, string, string];
}

const opens = LINK_OPENS_MINUTES_BEFORE;

const WORDS: Record<InvitationLanguage, Words> = {
  nb: {
    locale: 'nb-NO',
    zoneNote: '',
    subject: {
      patient: 'Videomøte med helseteamet ditt',
      relative: 'Videomøte med helseteamet',
      staff: 'Teammøte på video i Teamrom',
    },
    updated: 'Endret: ',
    cancelled: 'Avlyst: ',
    cancelledBody: (when) => `Videomøtet ${when} er avlyst. Du trenger ikke gjøre noe.`,
    invited: {
      patient: 'Du er invitert til et videomøte med helseteamet ditt',
      relative: 'Du er invitert til et videomøte med helseteamet rundt den du er pårørende for',
      staff: 'Du er invitert til et teammøte på video',
    },
    when: (when, minutes) => `${when} (${minutes} minutter).`,
    recurring: 'Møtet gjentas; alle tidspunktene står i kalenderfilen.',
    howToJoin:
      'Slik blir du med: Åpne lenken under på nettbrett, telefon eller PC. Du trenger ingen app ' +
      `og ingen brukerkonto. Lenken virker fra ${opens} minutter før møtet starter.`,
    personal:
      'Lenken er personlig. Ikke del den med andre: den virker bare for deg, og bare på den ' +
      'første enheten du åpner den på.',
    staffJoin: 'Bli med fra «Mine møter» i Teamrom, eller med lenken under.',
    interpreter: (language) => `Du er bestilt som tolk (${language}).`,
    goodToKnow: 'Godt å vite:',
    patientStatements: [
      'Det er frivillig å møtes på video. Du kan be om et fysisk møte i stedet.',
      'Ingenting blir tatt opp, verken bilde eller lyd.',
      'Møtet blir dokumentert i journalen din, som ved andre konsultasjoner.',
      'Sitt et sted der du kan snakke uforstyrret, og der andre ikke hører samtalen.',
      'Er det andre i rommet sammen med deg, må de presentere seg for de andre i møtet.',
    ],
    relativeStatements: [
      'Ingenting blir tatt opp, verken bilde eller lyd.',
      'Møtet blir dokumentert i pasientens journal, som ved andre konsultasjoner.',
      'Sitt et sted der du kan snakke uforstyrret, og der andre ikke hører samtalen.',
      'Er det andre i rommet sammen med deg, må de presentere seg for de andre i møtet.',
    ],
  },
  nn: {
    locale: 'nn-NO',
    zoneNote: '',
    subject: {
      patient: 'Videomøte med helseteamet ditt',
      relative: 'Videomøte med helseteamet',
      staff: 'Teammøte på video i Teamrom',
    },
    updated: 'Endra: ',
    cancelled: 'Avlyst: ',
    cancelledBody: (when) => `Videomøtet ${when} er avlyst. Du treng ikkje gjere noko.`,
    invited: {
      patient: 'Du er invitert til eit videomøte med helseteamet ditt',
      relative: 'Du er invitert til eit videomøte med helseteamet rundt den du er pårørande for',
      staff: 'Du er invitert til eit teammøte på video',
    },
    when: (when, minutes) => `${when} (${minutes} minutt).`,
    recurring: 'Møtet blir gjenteke; alle tidspunkta står i kalenderfila.',
    howToJoin:
      'Slik blir du med: Opne lenkja nedanfor på nettbrett, telefon eller PC. Du treng ingen app ' +
      `og ingen brukarkonto. Lenkja verkar frå ${opens} minutt før møtet byrjar.`,
    personal:
      'Lenkja er personleg. Ikkje del ho med andre: ho verkar berre for deg, og berre på den ' +
      'første eininga du opnar ho på.',
    staffJoin: 'Bli med frå «Mine møte» i Teamrom, eller med lenkja nedanfor.',
    interpreter: (language) => `Du er bestilt som tolk (${language}).`,
    goodToKnow: 'Godt å vite:',
    patientStatements: [
      'Det er frivillig å møtast på video. Du kan be om eit fysisk møte i staden.',
      'Ingenting blir teke opp, verken bilete eller lyd.',
      'Møtet blir dokumentert i journalen din, slik som andre konsultasjonar.',
      'Sit ein stad der du kan snakke uforstyrra, og der andre ikkje høyrer samtalen.',
      'Er det andre i rommet saman med deg, må dei presentere seg for dei andre i møtet.',
    ],
    relativeStatements: [
      'Ingenting blir teke opp, verken bilete eller lyd.',
      'Møtet blir dokumentert i journalen til pasienten, slik som andre konsultasjonar.',
      'Sit ein stad der du kan snakke uforstyrra, og der andre ikkje høyrer samtalen.',
      'Er det andre i rommet saman med deg, må dei presentere seg for dei andre i møtet.',
    ],
  },
  en: {
    locale: 'en-GB',
    zoneNote: ' (Norwegian time)',
    subject: {
      patient: 'Video meeting with your care team',
      relative: 'Video meeting with the care team',
      staff: 'Team meeting by video in Teamrom',
    },
    updated: 'Changed: ',
    cancelled: 'Cancelled: ',
    cancelledBody: (when) => `The video meeting on ${when} is cancelled. You need not do anything.`,
    invited: {
      patient: 'You are invited to a video meeting with your care team on',
      relative:
        'You are invited to a video meeting with the care team of the person you support, on',
      staff: 'You are invited to a team meeting by video on',
    },
    when: (when, minutes) => `${when} (${minutes} minutes).`,
    recurring: 'The meeting repeats; every date is in the calendar file.',
    howToJoin:
      'How to join: open the link below on a tablet, phone or computer. You need no app and no ' +
      `account. The link works from ${opens} minutes before the meeting starts.`,
    personal:
      'The link is personal. Do not share it: it works only for you, and only on the first ' +
      'device you open it on.',
    staffJoin: 'Join from "My meetings" in Teamrom, or with the link below.',
    interpreter: (language) => `You are booked as the interpreter (${language}).`,
    goodToKnow: 'Good to know:',
    patientStatements: [
      'Meeting by video is voluntary. You can ask for a visit in person instead.',
      'Nothing is recorded, neither picture nor sound.',
      'The meeting is documented in your health record, like any other consultation.',
      'Sit somewhere private, where you can talk undisturbed and nobody else can overhear.',
      'If anyone else is in the room with you, they must introduce themselves to the meeting.',
    ],
    relativeStatements: [
      'Nothing is recorded, neither picture nor sound.',
      "The meeting is documented in the patient's health record, like any other consultation.",
      'Sit somewhere private, where you can talk undisturbed and nobody else can overhear.',
      'If anyone else is in the room with you, they must introduce themselves to the meeting.',
    ],
  },
  // LIMITATION: the Northern Sami texts have not been reviewed by a translator yet; until they
  // are, a patient may meet awkward or wrong wording in an invitation that matters to them.
  se: {
    locale: 'se-NO',
    zoneNote: '',
    subject: {
      patient: 'Videočoahkkin du dearvvašvuođajoavkkuin',
      relative: 'Videočoahkkin dearvvašvuođajoavkkuin',
      staff: 'Joavkočoahkkin videos Teamromas',
    },
    updated: 'Rievdaduvvon: ',
    cancelled: 'Šluhttejuvvon: ',
    cancelledBody: (when) => `Videočoahkkin ${when} lea šluhttejuvvon. Ii dárbbaš dahkat maidege.`,
    invited: {
      patient: 'Don leat bovdejuvvon videočoahkkimii du dearvvašvuođajoavkkuin',
      relative: 'Don leat bovdejuvvon videočoahkkimii dearvvašvuođajoavkkuin',
      staff: 'Don leat bovdejuvvon joavkočoahkkimii videos',
    },
    when: (when, minutes) => `${when} (${minutes} minuhta).`,
    recurring: 'Čoahkkin geardduhuvvo; buot áiggit leat kaleandarfiilas.',
    howToJoin:
      'Ná searvvat: Raba liŋkka vuolábealde nettabreahtas, telefuvnnas dahje dihtoris. ' +
      `It dárbbaš appa iige geavaheaddjekontu. Liŋka doaibmá ${opens} minuhta ovdal go čoahkkin álgá.`,
    personal:
      'Liŋka lea persovnnalaš. Ale juogá dan earáiguin: dat doaibmá dušše dutnje, ja dušše dan ' +
      'vuosttaš ovttadagas masa rahpat dan.',
    staffJoin: 'Searvva «Mu čoahkkimat» bokte Teamromas, dahje liŋkkain vuolábealde.',
    interpreter: (language) => `Don leat diŋgojuvvon dulkan (${language}).`,
    goodToKnow: 'Buorre diehtit:',
    patientStatements: [
      'Lea eaktodáhtolaš deaivvadit videos. Sáhtát bivdit fysalaš čoahkkima dan sadjái.',
      'Mihkkege ii báddejuvvo, ii govva iige jietna.',
      'Čoahkkin čállojuvvo du journálii, nugo eará konsultašuvnnat.',
      'Čohkká sajis gos sáhtát hállat ráfis, ja gos earát eai gula.',
      'Jos earát leat lanjas duinna, de sii fertejit ovdanbuktit iežaset earáide čoahkkimis.',
    ],
    relativeStatements: [
      'Mihkkege ii báddejuvvo, ii govva iige jietna.',
      'Čoahkkin čállojuvvo pasienta journálii, nugo eará konsultašuvnnat.',
      'Čohkká sajis gos sáhtát hállat ráfis, ja gos earát eai gula.',
      'Jos earát leat lanjas duinna, de sii fertejit ovdanbuktit iežaset earáide čoahkkimis.',
    ],
  },
};

/** The language a text exists in: the one asked for, or else Bokmål. */
export function invitationLanguage(requested: string): InvitationLanguage {
  const base = requested.split('-')[0]!;

  // LIMITATION: invitations are written in Bokmål, Nynorsk, English and Northern Sami only; a
  // patient with another language gets Bokmål and needs the interpreter to read it to them.
  return INVITATION_LANGUAGES.find((language) => language === base) ?? 'nb';
}

/**
 * The invitation's subject and text in the participant's language. It names nobody and says
 * nothing of the meeting's purpose: it travels on into calendar programs and phones' lock screens.
 */
export function invitationText(facts: InvitationFacts): InvitationText {
  const language = invitationLanguage(facts.language);
  const words = WORDS[language];
  const audience =
    facts.role === 'patient' ? 'patient' : facts.role === 'relative' ? 'relative' : 'staff';
  const when =
    new Intl.DateTimeFormat(words.locale, {
      timeZone: 'Europe/Oslo',
      dateStyle: 'full',
      timeStyle: 'short',
    }).format(facts.startsAt) + words.zoneNote;
  const prefix = facts.isCancelled ? words.cancelled : facts.isUpdate ? words.updated : '';
  const subject = prefix + words.subject[audience];

  if (facts.isCancelled) {
    return {
      language,
      requestedLanguage: facts.language,
      subject,
      body: words.cancelledBody(when),
    };
  }

  const statements =
    audience === 'patient'
      ? words.patientStatements
      : audience === 'relative'
        ? words.relativeStatements
        : [];
  const paragraphs = [
    `${words.invited[audience]} ${words.when(when, facts.durationMinutes)}`,
    ...(facts.isRecurring ? [words.recurring] : []),
    ...(facts.role === 'interpreter' && facts.interpreterLanguage
      ? [words.interpreter(languageName(facts.interpreterLanguage, words.locale))]
      : []),
    audience === 'staff' && facts.role !== 'interpreter' ? words.staffJoin : words.howToJoin,
    facts.joinUrl,
    ...(audience === 'staff' && facts.role !== 'interpreter' ? [] : [words.personal]),
    ...(statements.length > 0
      ? [[words.goodToKnow, ...statements.map((s) => `- ${s}`)].join('\n')]
      : []),
  ];

  return {
    language,
    requestedLanguage: facts.language,
    subject,
    body: paragraphs.join('\n\n'),
  };
}

const ROLE_LABELS: Record<
  InvitationLanguage,
  Record<'patient' | 'relative' | 'interpreter', string>
> = {
  nb: { patient: 'Pasient', relative: 'Pårørende', interpreter: 'Tolk' },
  nn: { patient: 'Pasient', relative: 'Pårørande', interpreter: 'Tolk' },
  en: { patient: 'Patient', relative: 'Relative', interpreter: 'Interpreter' },
  se: { patient: 'Pasieanta', relative: 'Fuolki', interpreter: 'Dulka' },
};

/**
 * How a calendar file names a participant who is not staff: by role, not by name, so that a
 * calendar shared or synchronised elsewhere does not tell who the patient is.
 */
export function roleLabel(role: 'patient' | 'relative' | 'interpreter', language: string): string {
  return ROLE_LABELS[invitationLanguage(language)][role];
}

function languageName(code: string, locale: string): string {
  try {
    return new Intl.DisplayNames([locale], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}
