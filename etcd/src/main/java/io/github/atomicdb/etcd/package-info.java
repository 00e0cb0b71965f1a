/**
 * {@link io.github.atomicdb.etcd.AtomicEtcdDb}: the atomic-db contract on an etcd cluster, for
 * applications whose processes share one store.
 *
 * <p>Everything here is thread-safe. Errors follow {@link io.github.atomicdb.AtomicDb}'s rules,
 * plus one: a write whose outcome is unknown (its answer was lost after it was sent) throws
 * {@link io.github.atomicdb.CommitOutcomeUnknownException} (the core type, for every backend;
 * {@link io.github.atomicdb.etcd.CommitOutcomeUnknownException} is its deprecated etcd subclass,
 * still what is thrown). {@code EtcdKv} is the backend (not API).
 */
package io.github.atomicdb.etcd;
