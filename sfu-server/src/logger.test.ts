import { describe, expect, it } from 'vitest';

import { safeError } from './logger.ts';

describe('safeError', () => {
  it('keeps the type, code and where, and drops what the error carried of its input', () => {
    const error = Object.assign(new Error('date/time field value out of range: "0000-01-01"'), {
      code: '22008',
      query: 'insert into plan_actions values ($1)',
      params: ['Astrid skal ha hjemmebesøk'],
    });
    const logged = safeError(error);

    expect(logged).toMatchObject({
      type: 'Error',
      code: '22008',
      message: 'date/time field value out of range: "…"',
    });
    expect(Array.isArray(logged.stack)).toBe(true);
    expect(JSON.stringify(logged)).not.toMatch(/Astrid|0000-01-01|insert into/);
  });

  it('says only the type of something thrown that is not an Error', () => {
    expect(safeError('Astrid')).toEqual({ type: 'string' });
  });
});
