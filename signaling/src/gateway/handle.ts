import type { z } from 'zod';

import { toErrorBody } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { AckCallback, ParsedRequest, ReplyMap, RequestName } from '../protocol/index.ts';
import { requestSchemas } from '../protocol/index.ts';
import type { GatewaySocket } from './context.ts';

/**
 * Registers the handler of one request. The payload is parsed against its schema first; whatever
 * happens, the client gets exactly one acknowledgement, and no error escapes to crash the process.
 */
export function handle<E extends RequestName>(
  socket: GatewaySocket,
  event: E,
  log: Logger,
  run: (payload: ParsedRequest<E>) => Promise<ReplyMap[E]>,
): void {
  const schema = requestSchemas[event] as unknown as z.ZodType<ParsedRequest<E>>;
  const listener = async (payload: unknown, ack: unknown) => {
    if (typeof ack !== 'function') {
      log.warn({ event }, 'request without acknowledgement callback ignored');

      return;
    }

    const reply = ack as AckCallback<ReplyMap[E]>;
    const parsed = schema.safeParse(payload);

    if (!parsed.success) {
      reply({
        ok: false,
        error: {
          code: 'invalid_request',
          message: `invalid ${event} request`,
          details: parsed.error.issues.slice(0, 5).map((i) => ({
            path: i.path.join('.'),
            message: i.message,
          })),
        },
      });

      return;
    }

    const started = performance.now();

    try {
      reply({ ok: true, data: await run(parsed.data) });
      log.debug({ event, ms: Math.round(performance.now() - started) }, 'request answered');
    } catch (error) {
      const body = toErrorBody(error, log.child({ event }));

      reply({ ok: false, error: body });
      log.debug(
        { event, ms: Math.round(performance.now() - started), code: body.code },
        'request refused',
      );
    }
  };

  socket.on(event as never, listener as never);
}
