package io.github.atomicdb.jmh;

import java.util.SplittableRandom;

/**
 * Pre-computed key index sequences, so that drawing a key costs an array read inside the measured
 * loop. Uniform, or Zipfian (exponent 0.99, as YCSB uses) with ranks scattered over the key space
 * by a fixed random permutation so the hot keys are not neighbours.
 */
final class Keys {
  private static final int SEQ = 1 << 16;
  private final int[] seq;
  private int at;

  private Keys(int[] seq) {
    this.seq = seq;
  }

  /** The next key index. Not thread-safe: one {@code Keys} per thread. */
  int next() {
    int i = seq[at];
    at = (at + 1) & (SEQ - 1);
    return i;
  }

  static Keys uniform(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int[] s = new int[SEQ];
    for (int i = 0; i < SEQ; i++) {
      s[i] = r.nextInt(n);
    }
    return new Keys(s);
  }

  static Keys zipf(int n, double exponent, long seed) {
    // cdf[i] = P(rank <= i), P(rank = i) proportional to 1 / (i + 1)^exponent.
    double[] cdf = new double[n];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += 1.0 / Math.pow(i + 1, exponent);
      cdf[i] = sum;
    }
    for (int i = 0; i < n; i++) {
      cdf[i] /= sum;
    }
    // Rank -> key: one fixed permutation (same seed for every thread and implementation).
    int[] perm = new int[n];
    for (int i = 0; i < n; i++) {
      perm[i] = i;
    }
    SplittableRandom p = new SplittableRandom(0x5eed);
    for (int i = n - 1; i > 0; i--) {
      int j = p.nextInt(i + 1);
      int t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    SplittableRandom r = new SplittableRandom(seed);
    int[] s = new int[SEQ];
    for (int i = 0; i < SEQ; i++) {
      double u = r.nextDouble();
      int lo = 0;
      int hi = n - 1;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (cdf[mid] < u) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      s[i] = perm[lo];
    }
    return new Keys(s);
  }

  /** Zero-padded sort key of index {@code i}: {@code k000042}. */
  static String sk(int i) {
    String d = Integer.toString(i);
    return "k" + "000000".substring(Math.min(6, d.length())) + d;
  }

  /** A payload of about 100 bytes (ASCII, so 100 UTF-8 bytes). */
  static String payload(int salt) {
    StringBuilder b = new StringBuilder(100);
    b.append("payload-").append(salt).append('-');
    while (b.length() < 100) {
      b.append((char) ('a' + (b.length() * 7 + salt) % 26));
    }
    return b.toString();
  }
}
