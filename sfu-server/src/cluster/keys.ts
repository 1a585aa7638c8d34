/**
 * The names a media cluster uses in Redis, all under one prefix so that several clusters (or test
 * runs) can share a Redis server. Some Lua scripts build these names themselves from the prefix and
 * a node id; they are meant for a single Redis server or a primary with replicas, not Redis
 * Cluster, whose scripts may only touch the keys they are given.
 */
export class ClusterKeys {
  readonly prefix: string;

  constructor(prefix = 'teamrom:') {
    this.prefix = prefix;
  }

  /** A SET of every node id that has registered; membership alone says nothing of liveness. */
  get nodes(): string {
    return `${this.prefix}media:nodes`;
  }

  /** A node's registration (JSON), expiring unless its heartbeat renews it. */
  node(nodeId: string): string {
    return `${this.prefix}media:node:${nodeId}`;
  }

  /** Set when the cluster gave up on a node; a node that sees it drops the rooms it still holds. */
  evicted(nodeId: string): string {
    return `${this.prefix}media:node:${nodeId}:evicted`;
  }

  /** Rooms placed on a node since its last heartbeats, which its reported load does not show yet. */
  recentlyPlaced(nodeId: string): string {
    return `${this.prefix}media:node:${nodeId}:placed`;
  }

  /** The node a room lives on. */
  room(roomId: string): string {
    return `${this.prefix}media:room:${roomId}`;
  }

  /** Requests to a node. */
  requests(nodeId: string): string {
    return `${this.prefix}media:node:${nodeId}:rpc`;
  }

  /** Events from a node. */
  events(nodeId: string): string {
    return `${this.prefix}media:node:${nodeId}:events`;
  }

  /** Replies to one caller. */
  replies(callerId: string): string {
    return `${this.prefix}media:reply:${callerId}`;
  }
}
