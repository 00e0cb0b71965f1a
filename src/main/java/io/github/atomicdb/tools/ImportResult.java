package io.github.atomicdb.tools;

/**
 * What an import did.
 *
 * @param written records written
 * @param skipped records left out: items already expired, or queue entries whose key was already
 *     queued (left as they were)
 */
public record ImportResult(long written, long skipped) {}
