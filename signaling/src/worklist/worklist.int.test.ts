import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ErrorBody, Worklist, WorklistImport } from '../protocol/index.ts';
import type { TestServer } from '../testing/harness.ts';
import { startTestServer } from '../testing/harness.ts';
import { http } from '../testing/scheduling.ts';

/*
 * The coordinators' worklist over HTTP: people imported from CSV or entered by hand, each flagged
 * with the reasons, by thresholds the organisation sets. All people are invented.
 */

const HEADER =
  'reference;name;age;long_term_conditions;emergency_admissions_12m;bed_days_12m;municipality';

const GOOD_FILE = [
  HEADER,
  'W-1;Test Eldre;86;4;3;14;Fjellvik',
  'W-2;Test Yngre;52;1;0;0;Fjellvik',
  'W-3;"Test, Borte";81;3;0;2;Havbu',
].join('\r\n');

describe('the worklist', () => {
  let server: TestServer;

  const worklist = (personId = 'person-kari') =>
    http<Worklist & ErrorBody>(server, 'GET', '/api/worklist', {
      token: server.tokenFor(personId),
    });

  const importCsv = (csv: string, personId = 'person-kari') =>
    http<WorklistImport & ErrorBody>(server, 'POST', '/api/worklist/import', {
      token: server.tokenFor(personId),
      csv,
    });

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(async () => {
    await server.stop();
  });

  it("starts empty, with the default thresholds, for the coordinator's municipality", async () => {
    expect((await worklist()).body).toEqual({
      organisationId: 'org-fjellvik',
      thresholds: {
        minAge: 75,
        minLongTermConditions: 3,
        minEmergencyAdmissions: 2,
        minBedDays: 10,
        minCriteriaMet: 2,
        municipalities: [],
      },
      defaultThresholds: true,
      candidates: [],
    });
  });

  it('imports a good file and shows each flagged person with why', async () => {
    const imported = await importCsv(GOOD_FILE);

    expect(imported.status).toBe(200);
    expect(imported.body.imported).toBe(3);
    expect(
      imported.body.worklist.candidates.map((c) => [
        c.reference,
        c.flagged,
        c.reasons.map((r) => r.criterion),
      ]),
    ).toEqual([
      ['W-1', true, ['age', 'longTermConditions', 'emergencyAdmissions', 'bedDays']],
      ['W-3', true, ['age', 'longTermConditions']],
      ['W-2', false, []],
    ]);
    expect(imported.body.worklist.candidates[1]).toMatchObject({
      name: 'Test, Borte',
      source: 'csv',
      reasons: [
        { criterion: 'age', value: 81, threshold: 75, explanation: 'age 81 is at least 75' },
        expect.objectContaining({ criterion: 'longTermConditions', value: 3, threshold: 3 }),
      ],
    });
  });

  it('refuses a file with bad rows, reporting each, and imports none of its rows', async () => {
    const before = (await worklist()).body.candidates;
    const refused = await importCsv(
      [
        HEADER,
        'W-4;Test Ny;90;5;4;20;Fjellvik',
        'W-5;Test Feil;åtti;5;4;20;Fjellvik',
        'W-1;Test Eldre;86;4;3;999;Fjellvik',
      ].join('\n'),
    );

    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      code: 'invalid_request',
      message: '2 rows have errors; nothing was imported',
      details: {
        rows: [
          { line: 3, errors: [{ column: 'age', message: '"åtti" is not a whole number' }] },
          { line: 4, errors: [{ column: 'bed_days_12m', message: '999 is more than 366' }] },
        ],
      },
    });
    expect((await worklist()).body.candidates).toEqual(before);
  });

  it('refuses a file that is not CSV at all, naming the line', async () => {
    const refused = await importCsv(`${HEADER}\nW-9;"Test;90;1;1;1;Fjellvik\n`);

    expect(refused.status).toBe(400);
    expect(refused.body.details).toEqual({
      rows: [
        {
          line: 2,
          errors: [
            {
              column: null,
              message: 'a quoted field is not closed; the rest of the file was not read',
            },
          ],
        },
      ],
    });
  });

  it('reports the rows after a stray quote too, and refuses a duplicated column by name', async () => {
    const stray = await importCsv(
      [HEADER, 'W-7;Te"st;90;1;1;1;Fjellvik', 'W-8;Test;x;1;1;1;Fjellvik'].join('\n'),
    );

    expect(stray.status).toBe(400);
    expect(stray.body.details).toMatchObject({
      rows: [{ line: 2 }, { line: 3, errors: [{ column: 'age' }] }],
    });

    const twice = await importCsv(`${HEADER};age\nW-9;Test;90;1;1;1;Fjellvik;90`);

    expect(twice.body).toMatchObject({
      code: 'invalid_request',
      message: expect.stringContaining('age'),
    });
  });

  it('updates a person imported again by reference, adding nobody twice', async () => {
    const again = await importCsv([HEADER, 'W-2;Test Yngre;52;3;2;0;Fjellvik'].join('\n'));

    expect(again.body.worklist.candidates.map((c) => c.reference).sort()).toEqual([
      'W-1',
      'W-2',
      'W-3',
    ]);
    expect(again.body.worklist.candidates.find((c) => c.reference === 'W-2')).toMatchObject({
      flagged: true,
      longTermConditions: 3,
    });
  });

  it('flags by the thresholds the organisation sets, stored for next time', async () => {
    const set = await http<Worklist>(server, 'PUT', '/api/worklist/thresholds', {
      token: server.tokenFor('person-kari'),
      json: {
        minAge: 85,
        minLongTermConditions: 3,
        minEmergencyAdmissions: 2,
        minBedDays: 10,
        minCriteriaMet: 2,
        municipalities: ['Fjellvik'],
      },
    });
    const flagged = (list: Worklist) =>
      list.candidates.filter((c) => c.flagged).map((c) => c.reference);

    expect(set.status).toBe(200);
    expect(set.body.defaultThresholds).toBe(false);
    // W-3 lives in Havbu, which this municipality does not serve.
    expect(flagged(set.body)).toEqual(['W-1', 'W-2']);
    expect(set.body.candidates.find((c) => c.reference === 'W-3')).toMatchObject({
      inServedMunicipality: false,
    });
    expect(flagged((await worklist()).body)).toEqual(['W-1', 'W-2']);
  });

  it('takes a person entered by hand', async () => {
    const entered = await http<Worklist>(server, 'POST', '/api/worklist/candidates', {
      token: server.tokenFor('person-kari'),
      json: {
        reference: 'W-10',
        name: 'Test Manuell',
        age: 88,
        longTermConditions: 2,
        emergencyAdmissions12m: 2,
        bedDays12m: 3,
        municipality: 'Fjellvik',
      },
    });

    expect(entered.status).toBe(201);
    expect(entered.body.candidates.find((c) => c.reference === 'W-10')).toMatchObject({
      source: 'entered',
      flagged: true,
    });
  });

  it('is refused to non-coordinators, to meeting links and to the unauthenticated', async () => {
    const physician = await worklist('person-ola');
    const link = await http(server, 'GET', '/api/worklist', {
      token: server.tokenFor('person-kari', { meetingId: 'demo' }),
    });

    expect(physician).toMatchObject({
      status: 403,
      body: { code: 'forbidden', message: 'the worklist is for coordinators' },
    });
    expect(await importCsv(GOOD_FILE, 'person-ola')).toMatchObject({ status: 403 });
    expect(link).toMatchObject({
      status: 403,
      body: { message: 'a meeting link gives no access to the worklist' },
    });
    expect((await http(server, 'GET', '/api/worklist')).status).toBe(401);
    expect(
      await server.db.query(
        `select actor_id, outcome from audit_events
          where action like 'worklist.%' and outcome = 'denied' order by id`,
      ),
    ).toEqual([
      { actor_id: 'person-ola', outcome: 'denied' },
      { actor_id: 'person-kari', outcome: 'denied' },
      { actor_id: 'person-ola', outcome: 'denied' },
    ]);
  });

  it('reads a file saved as Windows-1252 by Norwegian Excel', async () => {
    const bytes = Buffer.from(`${HEADER}\nW-1252;Åse Øren;90;1;1;1;Bærum\n`, 'latin1');
    const answer = await fetch(`http://127.0.0.1:${server.port}/api/worklist/import`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${server.tokenFor('person-kari')}`,
        'content-type': 'text/csv; charset=utf-8',
      },
      body: bytes,
    });
    const body = (await answer.json()) as {
      worklist: { candidates: { reference: string; name: string }[] };
    };

    expect(answer.status).toBe(200);
    expect(body.worklist.candidates.find((c) => c.reference === 'W-1252')?.name).toBe('Åse Øren');
  });
});
