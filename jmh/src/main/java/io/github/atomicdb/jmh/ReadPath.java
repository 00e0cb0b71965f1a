package io.github.atomicdb.jmh;

import io.github.atomicdb.AtomicDb;
import io.github.atomicdb.Item;
import io.github.atomicdb.ItemKey;
import io.github.atomicdb.Query;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.openjdk.jmh.infra.Blackhole;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;

/**
 * Reads over a fixed data set: {@value #ITEMS} items of about 100 bytes in partition {@value
 * #BIG}, {@value #SMALL_ITEMS} in partition {@value #SMALL}.
 */
interface ReadPath extends AutoCloseable {
  String BIG = "big";
  String SMALL = "small";
  int ITEMS = 10_000;
  int SMALL_ITEMS = 100;

  /** The item at index i of {@link #BIG}, decoded. */
  Object getHit(int i);

  /** A key of {@link #BIG} that holds nothing. */
  Object getMiss(int i);

  /** Every item of {@link #SMALL} as a list; returns its size. */
  int query100(Blackhole bh);

  /** Streams every item of {@link #BIG}; returns the count. */
  long stream10k(Blackhole bh);

  @Override
  void close();

  static ReadPath open(String impl) {
    ReadPath p = impl.equals("raw") ? new Raw() : new Library(impl);
    // One pass over every key: loads a cache, warms the block cache and the memtable index.
    for (int i = 0; i < ITEMS; i++) {
      if (p.getHit(i) == null) {
        p.close();
        throw new IllegalStateException("item " + i + " is missing after load");
      }
    }
    return p;
  }

  final class Library implements ReadPath {
    private final TempDir dir;
    private final AtomicDb db;
    private final ItemKey[] hits = new ItemKey[ITEMS];
    private final ItemKey[] misses = new ItemKey[ITEMS];
    private final Query small = Query.of(SMALL);
    private final Query big = Query.of(BIG);

    Library(String impl) {
      dir = new TempDir("read-" + impl + "-");
      try {
        db = Stores.open(impl, dir.resolve("db"), false);
      } catch (RuntimeException | Error e) {
        dir.close();
        throw e;
      }
      List<Item> batch = new ArrayList<>();
      for (int i = 0; i < ITEMS; i++) {
        hits[i] = ItemKey.of(BIG, Keys.sk(i));
        misses[i] = ItemKey.of(BIG, Keys.sk(i) + "-absent");
        batch.add(Item.of(BIG, Keys.sk(i), Keys.payload(i)));
        if (i < SMALL_ITEMS) {
          batch.add(Item.of(SMALL, Keys.sk(i), Keys.payload(i)));
        }
        if (batch.size() >= 1000) {
          db.set(batch);
          batch = new ArrayList<>();
        }
      }
      if (!batch.isEmpty()) {
        db.set(batch);
      }
    }

    @Override
    public Object getHit(int i) {
      return db.get(hits[i]).orElse(null);
    }

    @Override
    public Object getMiss(int i) {
      return db.get(misses[i]).orElse(null);
    }

    @Override
    public int query100(Blackhole bh) {
      List<Item> l = db.query(small);
      bh.consume(l);
      return l.size();
    }

    @Override
    public long stream10k(Blackhole bh) {
      long n = 0;
      try (Stream<Item> s = db.stream(big)) {
        Iterator<Item> it = s.iterator();
        while (it.hasNext()) {
          bh.consume(it.next());
          n++;
        }
      }
      return n;
    }

    @Override
    public void close() {
      try {
        db.close();
      } finally {
        dir.close();
      }
    }
  }

  /** The same data on rocksdbjni: key pk 0x00 sk, value the UTF-8 payload, decoded on read. */
  final class Raw implements ReadPath {
    record Row(String sk, String data) {}

    private final RawRocks raw = new RawRocks(false);
    private final byte[][] hits = new byte[ITEMS][];
    private final byte[][] misses = new byte[ITEMS][];
    private final Slice[] slices;
    private final ReadOptions smallRange;
    private final ReadOptions bigRange;

    Raw() {
      try (WriteBatch b = new WriteBatch()) {
        for (int i = 0; i < ITEMS; i++) {
          hits[i] = RawRocks.key(BIG, Keys.sk(i));
          misses[i] = RawRocks.key(BIG, Keys.sk(i) + "-absent");
          b.put(raw.items, hits[i], Keys.payload(i).getBytes(StandardCharsets.UTF_8));
          if (i < SMALL_ITEMS) {
            b.put(raw.items, RawRocks.key(SMALL, Keys.sk(i)),
                Keys.payload(i).getBytes(StandardCharsets.UTF_8));
          }
        }
        raw.db.write(raw.writeOptions, b);
      } catch (RocksDBException e) {
        raw.close();
        throw new IllegalStateException(e);
      }
      slices = new Slice[] {
        new Slice(RawRocks.key(SMALL, "")), new Slice(bound(SMALL)),
        new Slice(RawRocks.key(BIG, "")), new Slice(bound(BIG))
      };
      smallRange = new ReadOptions().setIterateLowerBound(slices[0]).setIterateUpperBound(slices[1]);
      bigRange = new ReadOptions().setIterateLowerBound(slices[2]).setIterateUpperBound(slices[3]);
    }

    private static byte[] bound(String pk) {
      byte[] k = RawRocks.key(pk, "");
      k[k.length - 1] = 1;
      return k;
    }

    private Object get(byte[] k) {
      try {
        byte[] v = raw.db.get(raw.items, raw.readOptions, k);
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
      } catch (RocksDBException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public Object getHit(int i) {
      return get(hits[i]);
    }

    @Override
    public Object getMiss(int i) {
      return get(misses[i]);
    }

    private static Row row(RocksIterator it, int skAt) {
      byte[] k = it.key();
      return new Row(new String(k, skAt, k.length - skAt, StandardCharsets.UTF_8),
          new String(it.value(), StandardCharsets.UTF_8));
    }

    @Override
    public int query100(Blackhole bh) {
      List<Row> out = new ArrayList<>();
      try (RocksIterator it = raw.db.newIterator(raw.items, smallRange)) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          out.add(row(it, SMALL.length() + 1));
        }
      }
      bh.consume(out);
      return out.size();
    }

    @Override
    public long stream10k(Blackhole bh) {
      long n = 0;
      try (RocksIterator it = raw.db.newIterator(raw.items, bigRange)) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          bh.consume(row(it, BIG.length() + 1));
          n++;
        }
      }
      return n;
    }

    @Override
    public void close() {
      smallRange.close();
      bigRange.close();
      for (Slice s : slices) {
        s.close();
      }
      raw.close();
    }
  }
}
