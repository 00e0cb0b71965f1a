package io.github.atomicdb.tools;

/**
 * Bytes a store takes on disk, by kind of file.
 *
 * @param tableBytes the store's data files (RocksDB's sorted tables)
 * @param logBytes its write-ahead log: commits not yet in a data file
 * @param otherBytes housekeeping files: RocksDB's own diagnostic logs (kept to a few MiB),
 *     options files, the manifest, and small marker files. They say nothing about how much data
 *     the store holds, and change on every open.
 */
public record DiskUsage(long tableBytes, long logBytes, long otherBytes) {
  /** Live data: data files plus write-ahead log. */
  public long liveBytes() {
    return tableBytes + logBytes;
  }

  /** Every file. */
  public long totalBytes() {
    return tableBytes + logBytes + otherBytes;
  }
}
