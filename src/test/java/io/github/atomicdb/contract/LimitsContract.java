package io.github.atomicdb.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.atomicdb.Item;
import io.github.atomicdb.ItemKey;
import io.github.atomicdb.Query;
import io.github.atomicdb.QueueItem;
import io.github.atomicdb.QueueItemInput;
import io.github.atomicdb.QueuePullOptions;
import io.github.atomicdb.QueueStats;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Every number a caller passes is range-checked up front: an {@link IllegalArgumentException}
 * naming it, before anything is written, never an {@link ArithmeticException} or a nonsense
 * result later.
 */
public interface LimitsContract extends ContractFixture {

  private static void refused(String field, Executable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    assertTrue(e.getMessage().contains(field), "message names " + field + ": " + e.getMessage());
  }

  @Test
  default void itemTtlIsEpochSecondsUpToYear9999AndMillisecondsAreRefused() {
    long millis = clock().millis() + 1000;
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Item.of("ttl", "ms", 1).withTtl(millis));
    assertTrue(e.getMessage().contains("epoch seconds") && e.getMessage().contains("milliseconds"),
        e.getMessage());
    // the canonical constructor takes anything (stored items read back as stored); set refuses it
    e = assertThrows(IllegalArgumentException.class, () -> db().set(new Item("ttl", "ms", 1, millis)));
    assertTrue(e.getMessage().contains("epoch seconds") && e.getMessage().contains("'ms'"), e.getMessage());
    assertTrue(db().get(ItemKey.of("ttl", "ms")).isEmpty(), "nothing written");
    refused("ttl", () -> Item.of("ttl", "neg", 1).withTtl(-1));
    refused("ttl", () -> Item.of("ttl", "max", 1).withTtl(Item.MAX_TTL + 1));
    refused("ttl", () -> db().set(new Item("ttl", "huge", 1, Long.MAX_VALUE)));
    db().set(Item.of("ttl", "max", 1).withTtl(Item.MAX_TTL));
    assertEquals(Item.MAX_TTL, db().get(ItemKey.of("ttl", "max")).orElseThrow().ttl());
    db().set(Item.of("ttl", "zero", 1).withTtl(0));
    assertTrue(db().get(ItemKey.of("ttl", "zero")).isEmpty(), "ttl 0 is long past");
  }

  @Test
  default void visibilityTimeoutsAreRangeCheckedAndDeadlinesNeverOverflow() {
    refused("ttlSeconds", () -> QueuePullOptions.of("q").withTtlSeconds(Long.MAX_VALUE / 1000));
    refused("ttlSeconds", () -> QueuePullOptions.of("q").withTtlSeconds(9223370136854775L));
    refused("ttlSeconds", () -> QueuePullOptions.of("q").withTtlSeconds(QueuePullOptions.MAX_TTL_SECONDS + 1));
    refused("ttlSeconds", () -> QueuePullOptions.of("q").withTtlSeconds(0));
    refused("ttlSeconds", () -> new QueuePullOptions("q", Long.MAX_VALUE));
    db().queuePush(QueueItemInput.of("q", "a", "x"));
    QueueItem d = db().queuePull(QueuePullOptions.of("q").withTtlSeconds(QueuePullOptions.MAX_TTL_SECONDS)).orElseThrow();
    assertEquals(clock().seconds() + QueuePullOptions.MAX_TTL_SECONDS, d.processingTimeout());
    refused("ttlSeconds", () -> db().queueExtend(d, Long.MAX_VALUE / 1000));
    refused("ttlSeconds", () -> db().queueExtend(d, 0));
    assertTrue(db().queueExtend(d, QueuePullOptions.MAX_TTL_SECONDS));
    assertEquals(new QueueStats(0, 1, 0, 0), db().queueStats("q"));
  }

  @Test
  default void delaysWaitsAttemptsAndBatchSizesAreRangeChecked() {
    refused("delaySeconds", () -> QueueItemInput.of("q", "x").withDelaySeconds(Long.MAX_VALUE));
    refused("delaySeconds", () -> QueueItemInput.of("q", "x").withDelaySeconds(QueueItemInput.MAX_DELAY_SECONDS + 1));
    refused("delaySeconds", () -> QueueItemInput.of("q", "x").withDelaySeconds(-1));
    refused("waitTime", () -> QueuePullOptions.of("q").withWait(Duration.ofSeconds(Long.MAX_VALUE)));
    refused("waitTime", () -> QueuePullOptions.of("q").withWait(QueuePullOptions.MAX_WAIT.plusNanos(1)));
    refused("waitTime", () -> QueuePullOptions.of("q").withWait(Duration.ofMillis(-1)));
    refused("maxAttempts", () -> QueuePullOptions.of("q").withMaxAttempts(-1));
    refused("limit", () -> Query.of("p").withLimit(-1));
    db().queuePush(List.of(
        QueueItemInput.of("q", "a", "x"),
        QueueItemInput.of("q", "b", "y").withDelaySeconds(QueueItemInput.MAX_DELAY_SECONDS)));
    for (int max : new int[] {0, -1, QueuePullOptions.MAX_BATCH + 1, Integer.MAX_VALUE}) {
      refused("max", () -> db().queuePullBatch(QueuePullOptions.of("q"), max));
    }
    assertEquals(new QueueStats(1, 0, 1, 0), db().queueStats("q"), "nothing was claimed");
    assertEquals(1, db().queuePullBatch(QueuePullOptions.of("q"), QueuePullOptions.MAX_BATCH).size());
  }
}
