package io.github.atomicdb;

import io.github.atomicdb.internal.FormatUpgrade;
import io.github.atomicdb.internal.ItemLockMigrations;
import io.github.atomicdb.internal.QueueFormatV1;
import io.github.atomicdb.internal.SpaceMigration;
import java.util.List;
import java.util.Map;

/**
 * The upgrade steps {@link AtomicRocksDb} runs on a store of an older data format
 * (data-format.md, "Upgrading a store"): for each format version, the {@link SpaceMigration}s
 * that convert a store of the version before. Every migration is idempotent, so a crash during
 * the upgrade is finished by the next open.
 */
final class FormatMigrations {
  private FormatMigrations() {}

  /**
   * Format 1 to 2 of the queue spaces (QUEUE and QINDEX): format byte 0x02, checksums that cover
   * the key, index values with a format byte and checksum ({@link QueueFormatV1}; idempotent,
   * leaves converted and damaged records alone).
   */
  static final SpaceMigration QUEUE_V1_TO_V2 =
      kv -> {
        QueueFormatV1.Result r = QueueFormatV1.migrateQueueSpaces(kv);
        return new SpaceMigration.Result(r.rewritten(), r.damaged());
      };

  /** Every step this version knows. */
  static final FormatUpgrade UPGRADE = new FormatUpgrade(Map.of(
      2, List.of(ItemLockMigrations.itemsV1ToV2(), ItemLockMigrations.locksV1ToV2(), QUEUE_V1_TO_V2)));
}
