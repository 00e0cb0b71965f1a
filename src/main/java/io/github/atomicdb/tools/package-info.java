/**
 * The operator API of atomic-db: what backup, inspection and repair tools need beyond {@link
 * io.github.atomicdb.AtomicDb}, as documented operations of an open store. The {@code atomicdb}
 * command line is built on it and on nothing else; an application can call the same operations
 * on the store it holds open, without stopping.
 *
 * <p>{@link io.github.atomicdb.tools.StoreTools} reads records as they are stored (values of
 * classes the caller has not registered come back as their raw bytes, queue entries can be read
 * without pulling them), writes such records back through the engine's own checks and paths, and
 * checks a store record by record. Nothing here writes storage bytes past the engine: an
 * imported item is validated as {@code set} validates it, an imported queue entry goes through
 * the queue's push path.
 *
 * <p>Every type here is immutable or stateless and thread-safe. Operations of {@code StoreTools}
 * may run while other threads use the store; each scan reads one consistent snapshot of the space
 * it reads.
 */
package io.github.atomicdb.tools;
