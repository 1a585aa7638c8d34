/**
 * The contract between the Teamrom web client and the signalling server: Socket.io events in both
 * directions, their payload schemas, and the domain types they carry. Both ends import this module
 * and nothing else of each other.
 */
export * from './careplan.ts';
export * from './consent.ts';
export * from './consumers.ts';
export * from './errors.ts';
export * from './events.ts';
export * from './ice.ts';
export * from './lobby.ts';
export * from './media.ts';
export * from './meetingRecord.ts';
export * from './participants.ts';
export * from './planReducer.ts';
export * from './probe.ts';
export * from './quality.ts';
export * from './resume.ts';
export * from './scheduling.ts';
export * from './ring.ts';
