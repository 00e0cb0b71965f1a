package io.github.atomicdb.internal;

import io.github.atomicdb.spi.Space;

/**
 * Store format 1 to 2 for items and locks: item records get a checksum that covers their key;
 * lock records move into the TTL row envelope (so the compaction filter drops expired locks), also
 * with a keyed checksum. Values, ttls and lock versions are kept exactly.
 */
public final class ItemLockMigrations {
  private ItemLockMigrations() {}

  /** Items: a format-1 payload is rewritten; a format-2 one is left alone. */
  public static SpaceMigration itemsV1ToV2() {
    return new RecordMigration(Space.ITEMS, (key, v) -> {
      if (v.length > Records.ITEM_HEADER && v[Records.ITEM_HEADER] == Records.ITEM_FORMAT) {
        return null;
      }
      Records.ItemView iv = Records.openItemV1(v, KeyCodec.hex(key));
      byte[] kryo = java.util.Arrays.copyOfRange(v, iv.kryoOffset(), iv.kryoOffset() + iv.kryoLength());
      return Records.item(key, kryo, iv.ttl());
    });
  }

  /** Locks: a format-1 record (first byte 0x01) is rewritten; an envelope (0x7F...) is left alone. */
  public static SpaceMigration locksV1ToV2() {
    return new RecordMigration(Space.LOCKS, (key, v) -> {
      if (v.length > 0 && v[0] != Records.FORMAT_V1) {
        return null;
      }
      Records.LockView lv = Records.openLockV1(v, KeyCodec.hex(key));
      return Records.lock(key, lv.version(), lv.ttl());
    });
  }
}
