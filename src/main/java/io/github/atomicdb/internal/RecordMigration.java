package io.github.atomicdb.internal;

import io.github.atomicdb.CorruptDataException;
import io.github.atomicdb.spi.KvCursor;
import io.github.atomicdb.spi.KvOp;
import io.github.atomicdb.spi.KvStore;
import io.github.atomicdb.spi.Space;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A {@link SpaceMigration} that rewrites the records of one space one by one, keeping their keys:
 * it reads the space in key order, a chunk at a time, and commits each chunk's new values in one
 * write batch (within the store's commit limits).
 *
 * <p>A record the converter finds damaged ({@link CorruptDataException}) is left exactly as it
 * is and counted: an upgrade never stops, nor deletes anything, because of one bad record. After
 * the upgrade such a record reads as damaged (the new format's reader refuses the old format
 * byte), and {@code delete} of its key removes it.
 */
public final class RecordMigration implements SpaceMigration {
  /** Converts one record: its new value, or null when it is already in the new format. */
  @FunctionalInterface
  public interface Converter {
    byte[] convert(byte[] key, byte[] value);
  }

  static final int CHUNK = 1000;
  private static final long CHUNK_BYTES = 4L << 20;
  private static final System.Logger LOG = System.getLogger("io.github.atomicdb.upgrade");

  private final Space space;
  private final Converter converter;

  public RecordMigration(Space space, Converter converter) {
    this.space = Objects.requireNonNull(space, "space must not be null");
    this.converter = Objects.requireNonNull(converter, "converter must not be null");
  }

  @Override
  public Result migrate(KvStore kv) {
    int maxOps = (int) Math.max(1, Math.min(CHUNK, kv.maxOpsPerCommit()));
    long maxBytes = Math.min(CHUNK_BYTES, kv.maxBytesPerCommit());
    byte[] from = new byte[0];
    long converted = 0;
    long damaged = 0;
    while (true) {
      List<KvOp> ops = new ArrayList<>();
      long bytes = 0;
      byte[] next = null;
      try (KvCursor c = kv.scan(space, from, null, false, maxOps)) {
        while (c.next()) {
          byte[] key = c.key();
          byte[] value = c.value();
          byte[] out;
          try {
            out = converter.convert(key, value);
          } catch (CorruptDataException e) {
            damaged++;
            LOG.log(System.Logger.Level.WARNING, "upgrade left a damaged record as it was: " + e.getMessage());
            out = null;
          }
          if (out != null) {
            if (!ops.isEmpty() && (ops.size() >= maxOps || bytes + key.length + out.length > maxBytes)) {
              next = key.clone(); // this record starts the next chunk
              break;
            }
            ops.add(KvOp.put(space, key.clone(), out));
            bytes += key.length + out.length;
          }
        }
      }
      if (!ops.isEmpty()) {
        kv.write(ops);
        converted += ops.size();
        LOG.log(System.Logger.Level.DEBUG, "upgrade: " + converted + " records of " + space + " converted");
      }
      if (next == null) {
        return new Result(converted, damaged);
      }
      from = next;
    }
  }
}
