export type { MediaNodeOptions } from './config.ts';
export { mediaCodecs } from './config.ts';
export type { MediaErrorCode } from './errors.ts';
export { MediaConfigError, MediaError } from './errors.ts';
export { LocalMediaNode } from './LocalMediaNode.ts';
export type * from './MediaNode.ts';
export { safeError } from './logger.ts';
