import type {
  Worklist,
  WorklistImport,
  WorklistRowError,
  WorklistThresholds,
} from '@teamrom/signaling/protocol';

import type { AccessToken } from '../lib/AccessToken.ts';
import { api } from '../lib/http.ts';
import { RequestError } from '../lib/request.ts';

/** The coordinator's worklist over HTTP (see the routes in the scheduling protocol). */
export const worklistApi = {
  list: (token: AccessToken) => api<Worklist>('/api/worklist', { token }),

  setThresholds: (token: AccessToken, thresholds: WorklistThresholds) =>
    api<Worklist>('/api/worklist/thresholds', { method: 'PUT', token, json: thresholds }),

  /** Imports a CSV file: every row or none. A refusal carries each bad row's errors. */
  importCsv: (token: AccessToken, csv: string) =>
    api<WorklistImport>('/api/worklist/import', {
      method: 'POST',
      token,
      headers: { 'content-type': 'text/csv' },
      body: csv,
    }),
};

/** The bad rows of a refused import, or null when it was refused for another reason. */
export function rowErrorsOf(error: unknown): WorklistRowError[] | null {
  if (!(error instanceof RequestError) || error.code !== 'invalid_request') return null;

  const rows = (error.details as { rows?: unknown } | undefined)?.rows;

  return Array.isArray(rows) ? (rows as WorklistRowError[]) : null;
}
