import type { ErrorBody } from '@teamrom/signaling/protocol';

import type { AccessToken } from './AccessToken.ts';
import { RequestError } from './request.ts';

/**
 * Calls one of Teamrom's HTTP routes and answers its JSON, or rejects with RequestError carrying
 * the server's error code and details (`timeout` when the server could not be reached). With a
 * token, the call carries it as bearer and is renewed once on 401.
 */
export async function api<T>(
  path: string,
  init: RequestInit & { token?: AccessToken; json?: unknown } = {},
): Promise<T> {
  const { token, json, ...rest } = init;
  const headers = new Headers(rest.headers);

  if (json !== undefined) headers.set('content-type', 'application/json');

  const options: RequestInit = {
    ...rest,
    headers,
    body: json !== undefined ? JSON.stringify(json) : rest.body,
  };
  let response: Response;

  try {
    response = token ? await token.fetch(path, options) : await fetch(path, options);
  } catch {
    throw new RequestError('timeout', `no answer from ${path}`);
  }

  if (!response.ok) throw await errorOf(response);

  return (await response.json()) as T;
}

/** Fetches a file the server only hands out with a bearer token, as a Blob to save. */
export async function download(path: string, token: AccessToken): Promise<Blob> {
  let response: Response;

  try {
    response = await token.fetch(path);
  } catch {
    throw new RequestError('timeout', `no answer from ${path}`);
  }
  if (!response.ok) throw await errorOf(response);

  return response.blob();
}

async function errorOf(response: Response): Promise<RequestError> {
  const body = (await response.json().catch(() => null)) as Partial<ErrorBody> | null;

  return new RequestError(
    body?.code ?? 'internal',
    body?.message ?? `HTTP ${response.status}`,
    body?.details,
  );
}
