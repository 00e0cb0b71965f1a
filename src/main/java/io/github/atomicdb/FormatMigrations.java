package io.github.atomicdb;

import io.github.atomicdb.internal.FormatUpgrade;
import io.github.atomicdb.internal.ItemLockMigrations;
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
   * Format 1 to 2 of the queue spaces (QUEUE and QINDEX). Their records are the same in both
   * formats so far, so nothing is converted; a change of the queue layout's format replaces this
   * with its converter (same rules: idempotent, leaves converted and unknown records alone).
   */
  static final SpaceMigration QUEUE_V1_TO_V2 = SpaceMigration.NONE;

  /** Every step this version knows. */
  static final FormatUpgrade UPGRADE = new FormatUpgrade(Map.of(
      2, List.of(ItemLockMigrations.itemsV1ToV2(), ItemLockMigrations.locksV1ToV2(), QUEUE_V1_TO_V2)));
}
