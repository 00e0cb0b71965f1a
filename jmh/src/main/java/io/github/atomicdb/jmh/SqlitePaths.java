package io.github.atomicdb.jmh;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.openjdk.jmh.infra.Blackhole;
import org.sqlite.SQLiteConfig;

/**
 * The SQLite competitor (xerial sqlite-jdbc), set up as its users set it up for a busy embedded
 * store: one database file in WAL mode with {@code synchronous=NORMAL} (commits reach the OS, the
 * WAL is synced at checkpoints: survives a process crash, may lose the last commits on power
 * loss, like the other stores here without syncWrites), a busy timeout, one connection per
 * thread with its prepared statements made once and reused, and statements retried on
 * SQLITE_BUSY.
 */
final class SqlitePaths {
  private SqlitePaths() {}

  /** How long a connection waits for another's write lock before SQLITE_BUSY, ms. */
  static final int BUSY_TIMEOUT_MS = 10_000;

  /** A statement run on a thread's connection. */
  interface Call<T, C> {
    T run(C c) throws SQLException;
  }

  /** Opens a thread's connection and prepares its statements. */
  interface Opener<C> {
    C open(Connection c) throws SQLException;
  }

  /**
   * A database file and one connection per thread (each with its statements), all closed by
   * {@link #close()}, which also removes the directory.
   */
  static final class Db<C extends AutoCloseable> implements AutoCloseable {
    private final TempDir dir;
    private final String url;
    private final SQLiteConfig config;
    private final Opener<C> opener;
    private final List<Connection> connections = new ArrayList<>();
    private final List<C> statements = new ArrayList<>();
    private final ThreadLocal<C> mine;
    private boolean closed;

    Db(String prefix, boolean syncWrites, String schema, Opener<C> opener) {
      dir = new TempDir(prefix);
      url = "jdbc:sqlite:" + dir.resolve("db.sqlite");
      config = new SQLiteConfig();
      config.setJournalMode(SQLiteConfig.JournalMode.WAL);
      config.setSynchronous(
          syncWrites ? SQLiteConfig.SynchronousMode.FULL : SQLiteConfig.SynchronousMode.NORMAL);
      config.setBusyTimeout(BUSY_TIMEOUT_MS);
      this.opener = opener;
      mine = ThreadLocal.withInitial(this::connect);
      try {
        inTransaction(c -> {
          try (Statement st = c.createStatement()) {
            for (String ddl : schema.split(";")) {
              if (!ddl.isBlank()) {
                st.execute(ddl);
              }
            }
          }
          return null;
        });
      } catch (RuntimeException | Error e) {
        close();
        throw e;
      }
    }

    private C connect() {
      synchronized (this) {
        if (closed) {
          throw new IllegalStateException("closed");
        }
        try {
          Connection c = config.createConnection(url);
          connections.add(c);
          C s = opener.open(c);
          statements.add(s);
          return s;
        } catch (SQLException e) {
          throw new IllegalStateException(e);
        }
      }
    }

    /** Runs {@code call} on this thread's connection, again while SQLite answers SQLITE_BUSY. */
    <T> T call(Call<T, C> call) {
      return retry(call, mine.get());
    }

    /** Runs {@code call} in one transaction on a connection of its own (setup). */
    void inTransaction(Call<Void, Connection> call) {
      try (Connection c = config.createConnection(url)) {
        c.setAutoCommit(false);
        call.run(c);
        c.commit();
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public synchronized void close() {
      if (closed) {
        return;
      }
      closed = true;
      Exception first = null;
      for (C s : statements) {
        try {
          s.close();
        } catch (Exception e) {
          first = first == null ? e : first;
        }
      }
      for (Connection c : connections) {
        try {
          c.close();
        } catch (SQLException e) {
          first = first == null ? e : first;
        }
      }
      dir.close();
      if (first != null) {
        throw new IllegalStateException("closing SQLite", first);
      }
    }
  }

  static boolean isBusy(SQLException e) {
    // Primary result code 5 (SQLITE_BUSY), also under its extended codes (BUSY_SNAPSHOT, ...).
    return (e.getErrorCode() & 0xff) == 5;
  }

  /** As SQLite's users do: busy_timeout waits for the lock; a BUSY that still escapes, retry. */
  static <T, C> T retry(Call<T, C> call, C c) {
    for (int tries = 1; ; tries++) {
      try {
        return call.run(c);
      } catch (SQLException e) {
        if (!isBusy(e) || tries == 100) {
          throw new IllegalStateException(e);
        }
        Thread.onSpinWait();
      }
    }
  }

  /**
   * The lock path on SQLite, as its users write an optimistic update: the lock is a version
   * column of the item's row, in table {@code items (pk, sk, data BLOB, version, PRIMARY KEY (pk,
   * sk)) WITHOUT ROWID}. A cycle is two autocommit statements, like getLock + get + setAtomic:
   * {@code SELECT version, data} (lock and item in one read), then {@code UPDATE items SET data =
   * ?, version = version + 1 WHERE pk = ? AND sk = ? AND version = ?}; no row changed means the
   * version moved on: refused. (Reading and writing in one {@code BEGIN IMMEDIATE} transaction
   * instead would never be refused but holds the write lock across the read.)
   */
  static final class Lock implements LockPath {
    private final Db<Stmts> db;
    private final String[] sks;

    static final class Stmts implements AutoCloseable {
      final PreparedStatement select;
      final PreparedStatement update;

      Stmts(Connection c) throws SQLException {
        select = c.prepareStatement("SELECT version, data FROM items WHERE pk = ? AND sk = ?");
        update = c.prepareStatement(
            "UPDATE items SET data = ?, version = version + 1 WHERE pk = ? AND sk = ? AND version = ?");
      }

      @Override
      public void close() throws SQLException {
        select.close();
        update.close();
      }
    }

    Lock(int n) {
      db = new Db<>("lock-sqlite-", false,
          "CREATE TABLE items (pk TEXT NOT NULL, sk TEXT NOT NULL, data BLOB, "
              + "version INTEGER NOT NULL, PRIMARY KEY (pk, sk)) WITHOUT ROWID",
          Stmts::new);
      sks = new String[n];
      for (int i = 0; i < n; i++) {
        sks[i] = Keys.sk(i);
      }
    }

    @Override
    public void load(int n) {
      byte[] data = LockPath.data(0).getBytes(StandardCharsets.UTF_8);
      db.inTransaction(c -> {
        try (PreparedStatement p =
            c.prepareStatement("INSERT INTO items (pk, sk, data, version) VALUES (?, ?, ?, 1)")) {
          for (int i = 0; i < n; i++) {
            p.setString(1, PK);
            p.setString(2, sks[i]);
            p.setBytes(3, data);
            p.addBatch();
          }
          p.executeBatch();
        }
        return null;
      });
    }

    /** Version and data of item {@code i}, read on this thread's connection. */
    private record Row(long version, String data) {}

    private Row read(Stmts s, int i) throws SQLException {
      s.select.setString(1, PK);
      s.select.setString(2, sks[i]);
      try (ResultSet rs = s.select.executeQuery()) {
        if (!rs.next()) {
          throw new IllegalStateException("item " + i + " is gone");
        }
        return new Row(rs.getLong(1), new String(rs.getBytes(2), StandardCharsets.UTF_8));
      }
    }

    @Override
    public boolean update(int i, Blackhole bh) {
      Row r = db.call(s -> read(s, i));
      bh.consume(r.data);
      byte[] next = LockPath.data(LockPath.counter(r.data) + 1).getBytes(StandardCharsets.UTF_8);
      int changed = db.call(s -> {
        s.update.setBytes(1, next);
        s.update.setString(2, PK);
        s.update.setString(3, sks[i]);
        s.update.setLong(4, r.version);
        return s.update.executeUpdate();
      });
      return changed == 1;
    }

    @Override
    public long storedCounter(int i) {
      return LockPath.counter(db.call(s -> read(s, i)).data);
    }

    @Override
    public long storedVersion(int i) {
      return db.call(s -> read(s, i)).version;
    }

    @Override
    public void close() {
      db.close();
    }
  }

  /**
   * A job queue on SQLite as its users write one: {@code q (id INTEGER PRIMARY KEY, data BLOB,
   * visible_at INTEGER)}; push inserts (the rowid gives the order); pull claims the oldest visible
   * row and hides it for the visibility timeout in one statement, {@code UPDATE q SET visible_at =
   * ? WHERE id = (SELECT id FROM q WHERE visible_at <= ? ORDER BY id LIMIT 1) RETURNING id, data};
   * ack deletes the row. A delivery whose timeout ran out is visible again, in its place. One
   * queue per database (the benchmarks use one).
   */
  static final class Queue implements QueuePath {
    private final Db<Stmts> db;
    private String name;

    static final class Stmts implements AutoCloseable {
      final PreparedStatement push;
      final PreparedStatement pull;
      final PreparedStatement ack;

      Stmts(Connection c) throws SQLException {
        push = c.prepareStatement("INSERT INTO q (data, visible_at) VALUES (?, 0)");
        pull = c.prepareStatement("UPDATE q SET visible_at = ? WHERE id = "
            + "(SELECT id FROM q WHERE visible_at <= ? ORDER BY id LIMIT 1) RETURNING id, data");
        ack = c.prepareStatement("DELETE FROM q WHERE id = ?");
      }

      @Override
      public void close() throws SQLException {
        push.close();
        pull.close();
        ack.close();
      }
    }

    record Delivered(long id, String data) {}

    Queue(boolean syncWrites) {
      db = new Db<>("queue-sqlite-", syncWrites,
          "CREATE TABLE q (id INTEGER PRIMARY KEY, data BLOB NOT NULL, visible_at INTEGER NOT NULL)",
          Stmts::new);
    }

    private synchronized void one(String queue) {
      if (name == null) {
        name = queue;
      } else if (!name.equals(queue)) {
        throw new IllegalArgumentException("one queue per SQLite database here: " + name);
      }
    }

    @Override
    public void push(String queue, String data) {
      if (name == null) {
        one(queue);
      }
      byte[] v = data.getBytes(StandardCharsets.UTF_8);
      db.call(s -> {
        s.push.setBytes(1, v);
        return s.push.executeUpdate();
      });
    }

    @Override
    public void pushMany(String queue, int n, IntFunction<String> data) {
      one(queue);
      db.inTransaction(c -> {
        try (PreparedStatement p = c.prepareStatement("INSERT INTO q (data, visible_at) VALUES (?, 0)")) {
          for (int i = 0; i < n; i++) {
            p.setBytes(1, data.apply(i).getBytes(StandardCharsets.UTF_8));
            p.addBatch();
          }
          p.executeBatch();
        }
        return null;
      });
    }

    @Override
    public Object pull(String queue, long ttlSeconds) {
      long now = System.currentTimeMillis();
      return db.call(s -> {
        s.pull.setLong(1, now + ttlSeconds * 1000);
        s.pull.setLong(2, now);
        try (ResultSet rs = s.pull.executeQuery()) {
          if (!rs.next()) {
            return null;
          }
          return new Delivered(rs.getLong(1), new String(rs.getBytes(2), StandardCharsets.UTF_8));
        }
      });
    }

    @Override
    public String data(Object delivered) {
      return ((Delivered) delivered).data();
    }

    @Override
    public void ack(Object delivered) {
      long id = ((Delivered) delivered).id();
      int deleted = db.call(s -> {
        s.ack.setLong(1, id);
        return s.ack.executeUpdate();
      });
      if (deleted != 1) {
        throw new IllegalStateException("ack of entry " + id + " deleted " + deleted + " rows");
      }
    }

    @Override
    public void close() {
      db.close();
    }
  }
}
