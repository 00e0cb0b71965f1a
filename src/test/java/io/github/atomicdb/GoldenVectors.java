package io.github.atomicdb;

import io.github.atomicdb.contract.ContractTypes;
import io.github.atomicdb.internal.FormatV1Records;
import io.github.atomicdb.internal.KeyCodec;
import io.github.atomicdb.internal.QueueLayout;
import io.github.atomicdb.internal.Records;
import io.github.atomicdb.internal.ValueCodec;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The golden vectors of data-format.md, computed by the code under test. {@code FormatGoldenTest}
 * compares them with the document; {@link #main} prints them for the document.
 */
final class GoldenVectors {
  private GoldenVectors() {}

  static final String RECEIPT = "01ARZ3NDEKTSV4RRFFQ69G5FAV";

  static Map<String, byte[]> compute() {
    ValueCodec codec = new ValueCodec(Map.of(ContractTypes.Point.class, 100));
    Map<String, byte[]> v = new LinkedHashMap<>();
    v.put("K1", KeyCodec.encode("user#1", "profile"));
    v.put("K2", KeyCodec.encode("a\u0000b", "c"));
    v.put("K3", KeyCodec.encode("é", "\uD83D\uDE00"));
    v.put("K4", KeyCodec.prefixEnd(KeyCodec.partition("user#1".getBytes(StandardCharsets.UTF_8))));
    v.put("V1", codec.encode("hello"));
    v.put("V2", codec.encode(42));
    v.put("V3", codec.encode(List.of(1, 2)));
    v.put("V4", codec.encode(new BigDecimal("1.50")));
    v.put("V5", codec.encode(new ContractTypes.Point(3, 4)));
    v.put("V6", codec.encode(null));
    byte[] k1 = KeyCodec.encode("user#1", "profile");
    v.put("I1", Records.item(k1, codec.encode("hi"), null));
    v.put("I2", Records.item(k1, codec.encode(7), 1767225600L));
    v.put("L1", Records.lock(k1, RECEIPT, 1767312000L));
    v.put("J1", FormatV1Records.item(codec.encode("hi"), null));
    v.put("J2", FormatV1Records.item(codec.encode(7), 1767225600L));
    v.put("M1", FormatV1Records.lock(RECEIPT, 1767312000L));
    byte[] jobs = KeyCodec.partition("jobs".getBytes(StandardCharsets.UTF_8));
    byte[] sk = "0001".getBytes(StandardCharsets.UTF_8);
    byte[] entryKey = QueueLayout.entryKey(jobs, sk);
    byte[] countersKey = QueueLayout.countersKey(jobs);
    byte[] readyKey = QueueLayout.readyKey(jobs, sk);
    byte[] timedKey = QueueLayout.timedKey(jobs, 1767225900000L, sk);
    v.put("Q1", QueueLayout.entry(entryKey, new QueueLayout.Entry(QueueLayout.READY, 0, 0, 1767225600000L, (byte) 0, "", codec.encode("job"))));
    v.put("Q2", QueueLayout.entry(entryKey, new QueueLayout.Entry(QueueLayout.IN_FLIGHT, 1, 1767225900000L, 1767225600000L, (byte) 0, RECEIPT, codec.encode("job"))));
    v.put("Q3", QueueLayout.entry(entryKey, new QueueLayout.Entry(QueueLayout.IN_FLIGHT, 1, 1767225900000L, 1767225600000L, QueueLayout.FLAG_REDELIVER, RECEIPT, codec.encode("new"), 1767225960000L)));
    v.put("X1", countersKey);
    v.put("X2", readyKey);
    v.put("X3", timedKey);
    v.put("X4", entryKey);
    v.put("C1", QueueLayout.counters(countersKey, new QueueLayout.Counters(2, 1, 0)));
    v.put("C2", QueueLayout.heldCounters(countersKey, new QueueLayout.Counters(2, 1, 0)));
    v.put("R1", QueueLayout.indexValue(readyKey, QueueLayout.READY, 1767225600000L));
    v.put("T1", QueueLayout.indexValue(timedKey, QueueLayout.IN_FLIGHT, 1767225600000L));
    byte[] quarantineKey = QueueLayout.quarantineKey(jobs, sk, 1767226000000L);
    v.put("X5", quarantineKey);
    v.put("Z1", QueueLayout.quarantine(quarantineKey, "checksum mismatch", new byte[] {2, 0, (byte) 0xFF}));
    return v;
  }

  public static void main(String[] args) {
    compute().forEach((id, b) -> System.out.println(id + " " + KeyCodec.hex(b)));
  }
}
