/**
 * Identifiers and counters shared by every module.
 *
 * The brands are "soft": the brand property is optional, so arithmetic results (plain numbers) flow
 * back into a branded slot without casts, while mixing two different brands (a Term where an Index
 * belongs) is a compile error.
 */
declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]?: B };

/** A node's `node.id`, unique in the cluster, > 0. 0 means "none". */
export type NodeId = Brand<number, 'NodeId'>;
/** A Raft group: 0 is the metadata group, partitions get ids from the metadata image. */
export type GroupId = Brand<number, 'GroupId'>;
/** A Raft term; 0 before any election. */
export type Term = Brand<number, 'Term'>;
/** A Raft log index; entries start at 1, 0 is "before the log". */
export type Index = Brand<number, 'Index'>;
/** A record offset in a partition. */
export type Offset = Brand<number, 'Offset'>;

export const NO_NODE: NodeId = 0;
