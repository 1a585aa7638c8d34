import type { Redis } from 'ioredis';

import type { ClusterKeys } from './keys.ts';
import { PLACEMENT_TTL_MS, RECENT_PLACEMENT_WEIGHT } from './registry.ts';

/** Rooms placed within this long still count against their node until its load shows them. */
const RECENT_PLACEMENT_MS = 3_000;

/*
 * Places a room, atomically: every signalling node that asks at the same moment gets the same
 * answer. A room already placed on a node that is registered and not evicted stays there. A room
 * whose placement Redis lost (it restarted empty) goes back to the live node the caller knows it
 * on, which still holds its media. Otherwise it goes to the candidate with the lowest score, where the score the caller read from the node's
 * heartbeat is raised by the rooms placed on it since then, so that a burst of new meetings does
 * not all land on the node that looked emptiest a second ago.
 *
 * KEYS: the room's placement. ARGV: key prefix for nodes (…media:node:), placement TTL ms,
 * recent-placement TTL ms, recent-placement weight, the node the caller knows the room on (or ''),
 * then node id and score pairs.
 */
const PLACE_SCRIPT = `
local nodePrefix = ARGV[1]
local function isLive(id)
  return redis.call('EXISTS', nodePrefix .. id) == 1
    and redis.call('EXISTS', nodePrefix .. id .. ':evicted') == 0
end
local current = redis.call('GET', KEYS[1])
if current and isLive(current) then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return current
end
local known = ARGV[5]
if not current and known ~= '' and isLive(known) then
  redis.call('SET', KEYS[1], known, 'PX', ARGV[2])
  return known
end
local best, bestScore
for i = 6, #ARGV, 2 do
  local id = ARGV[i]
  if isLive(id) then
    local recent = tonumber(redis.call('GET', nodePrefix .. id .. ':placed') or '0')
    local score = tonumber(ARGV[i + 1]) + recent * tonumber(ARGV[4])
    if not best or score < bestScore then
      best, bestScore = id, score
    end
  end
end
if not best then return false end
redis.call('SET', KEYS[1], best, 'PX', ARGV[2])
redis.call('INCR', nodePrefix .. best .. ':placed')
redis.call('PEXPIRE', nodePrefix .. best .. ':placed', ARGV[3])
return best
`;

/** Removes a room's placement, but only if it still names this node. KEYS: placement. ARGV: node. */
const UNPLACE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

/** The node the room lives on, placed now if need be; null when no candidate is live. */
export async function placeRoom(
  redis: Redis,
  keys: ClusterKeys,
  roomId: string,
  candidates: { nodeId: string; score: number }[],
  /** The node the caller knows the room on, if any. */
  known?: string,
): Promise<string | null> {
  const placed = await redis.eval(
    PLACE_SCRIPT,
    1,
    keys.room(roomId),
    keys.node(''),
    PLACEMENT_TTL_MS,
    RECENT_PLACEMENT_MS,
    RECENT_PLACEMENT_WEIGHT,
    known ?? '',
    ...candidates.flatMap(({ nodeId, score }) => [nodeId, score]),
  );

  return typeof placed === 'string' ? placed : null;
}

export async function unplaceRoom(
  redis: Redis,
  keys: ClusterKeys,
  roomId: string,
  nodeId: string,
): Promise<void> {
  await redis.eval(UNPLACE_SCRIPT, 1, keys.room(roomId), nodeId);
}

/** Where the room lives now, as any signalling node placed it; null if nowhere. */
export function placementOf(
  redis: Redis,
  keys: ClusterKeys,
  roomId: string,
): Promise<string | null> {
  return redis.get(keys.room(roomId));
}
