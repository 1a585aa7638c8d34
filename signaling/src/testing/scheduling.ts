import ICAL from 'ical.js';

import { formatLocalDateTime, wallClockAt } from '../scheduling/zonedTime.ts';
import type { TestServer } from './harness.ts';

/*
 * Helpers for the scheduling integration tests: people around the demo patient, Oslo times
 * relative to now, HTTP with a bearer token, and calendar files read back with ical.js.
 */

/**
 * People the demo does not have, all invented: an interpreter in Astrid's team, a neighbour
 * recorded as her relative, a nurse from another municipality, and a second patient whom Kari
 * coordinates.
 */
export const SCHEDULING_FIXTURE_SQL = `
  insert into organisations (id, name, kind, unit, part_of, service) values
    ('org-havbu', 'Havbu kommune', 'municipality', null, null, null),
    ('org-havbu-home', 'Havbu kommune', 'municipality', 'Hjemmesykepleien', 'org-havbu',
     'home_care');
  insert into persons (id, kind, display_name, organisation_id) values
    ('person-jon', 'relative', 'Jon Test', null),
    ('person-eva', 'practitioner', 'Eva Test', 'org-havbu-home'),
    ('person-nils', 'patient', 'Nils Test', null),
    ('person-tolk', 'practitioner', 'Tolk Test', null);
  insert into patients (id, person_id, identifier_system, identifier_value, birth_date,
                        treating_organisation_id, interpreter_language)
    values ('patient-nils', 'person-nils', 'urn:oid:2.16.578.1.12.4.1.4.1', '01013900000',
            '1939-01-01', 'org-hospital', 'ar');
  insert into related_persons (patient_id, person_id, relationship) values
    ('patient-demo', 'person-jon', 'neighbour');
  insert into care_team_members (patient_id, person_id, role, organisation_id, period_start) values
    ('patient-demo', 'person-tolk', 'interpreter', null, '2026-09-01'),
    ('patient-nils', 'person-eva', 'nurse', 'org-havbu-home', '2026-09-01'),
    ('patient-nils', 'person-kari', 'coordinator', 'org-coordination', '2026-09-01'),
    ('patient-nils', 'person-tolk', 'interpreter', null, '2026-09-01');
`;

/** Oslo wall-clock time `minutes` from now, to the next whole minute: `2027-03-29T10:00`. */
export function osloIn(minutes: number): string {
  const at = new Date(Date.now() + minutes * 60 * 1000 + 60 * 1000);

  return formatLocalDateTime(wallClockAt(at, 'Europe/Oslo'));
}

/** Today's date in Oslo. */
export function osloToday(): string {
  return osloIn(0).slice(0, 10);
}

export interface HttpAnswer<T = unknown> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

/** An HTTP request to the test server on the loopback address, JSON in and out by default. */
export async function http<T = unknown>(
  server: TestServer,
  method: string,
  path: string,
  options: { token?: string; json?: unknown; csv?: string } = {},
): Promise<HttpAnswer<T>> {
  const headers: Record<string, string> = {};

  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.json !== undefined) headers['content-type'] = 'application/json';
  if (options.csv !== undefined) headers['content-type'] = 'text/csv; charset=utf-8';

  const response = await fetch(`http://127.0.0.1:${server.port}${path}`, {
    method,
    headers,
    body: options.json !== undefined ? JSON.stringify(options.json) : options.csv,
  });
  const text = await response.text();
  const isJson = response.headers.get('content-type')?.includes('json') ?? false;

  return {
    status: response.status,
    body: (isJson ? JSON.parse(text) : text) as T,
    text,
    headers: response.headers,
  };
}

/** A calendar file as ical.js reads it: method, UID, SEQUENCE, status and each start. */
export function readCalendar(text: string) {
  const calendar = new ICAL.Component(ICAL.parse(text));

  ICAL.TimezoneService.reset();
  for (const zone of calendar.getAllSubcomponents('vtimezone')) {
    ICAL.TimezoneService.register(zone);
  }

  const vevent = calendar.getFirstSubcomponent('vevent')!;
  const event = new ICAL.Event(vevent);
  const iterator = event.iterator();
  const starts: string[] = [];

  for (let next = iterator.next(); next && starts.length < 200; next = iterator.next()) {
    starts.push(next.toJSDate().toISOString());
  }

  return {
    method: calendar.getFirstPropertyValue('method'),
    uid: event.uid,
    sequence: event.sequence,
    status: vevent.getFirstPropertyValue('status'),
    localStart: event.startDate.toString(),
    description: event.description,
    attendees: event.attendees.map((a) => ({
      name: a.getParameter('cn'),
      role: a.getParameter('role'),
      partstat: a.getParameter('partstat'),
    })),
    starts,
  };
}
