// The shape every container reader has (readers/*.ts): list the entries from what the container
// declares, then read the ones the walker (container.ts) selected, each through a byte cap.

/** One entry as the container lists it, before anything is unpacked. */
export interface ListedEntry {
  /** Path inside the container, `/`-separated, NFC. */
  path: string;
  /** Content type the container declares (MIME parts), else null. */
  declaredType: string | null;
  /** Uncompressed size the container declares; null when it does not say. */
  declaredSize: number | null;
  /** Bytes the entry takes inside the container, for the ratio; null when stored as is. */
  compressedSize: number | null;
  encrypted: boolean;
  /** Listed but not readable by us (`unsupported:zip-method-14`), else null. */
  unreadable: string | null;
}

export interface Listing<E extends ListedEntry> {
  /** File entries (no folders), in order, at most as many as asked for. */
  entries: E[];
  /** Entries the container declares in all (may exceed `entries`); null when unknown. */
  total: number | null;
  /** The container's own text (a forwarded message's subject and body, a TNEF body), else ''. */
  text: string;
  /** A problem of the whole container known from its listing (`encrypted` headers). */
  problem: string | null;
}

/**
 * Which limit stopped a read: the attachment size, the total budget, the ratio, or the entry's own
 * declared size (an entry that expands past what its header says is how lying zip bombs work).
 */
export type CapLimit = 'size' | 'ratio' | 'total' | 'declared_size';

/** Thrown by a reader when an entry produced more bytes than the cap it was given. */
export class CapExceeded extends Error {
  constructor(public readonly limit: CapLimit | null) {
    super('cap exceeded');
    this.name = 'CapExceeded';
  }
}

export interface ContainerReader<E extends ListedEntry> {
  format: string;
  list(maxListed: number): Promise<Listing<E>>;
  /**
   * Called once, before any read, with the entries that will be read and their caps: readers that
   * cannot stream one entry at a time (RAR) unpack them all here, within `budgetBytes`.
   */
  prepare?(selected: Array<{ entry: E; cap: number }>, budgetBytes: number): Promise<void>;
  /** The entry's bytes; rejects with CapExceeded once more than `cap` bytes came out. */
  read(entry: E, cap: number): Promise<Buffer>;
}

