package io.github.atomicdb.internal;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

/**
 * A Kryo {@link Input} over one complete stored value that refuses any length larger than the
 * bytes left before allocating for it. Every element of an array, string or collection takes at
 * least one byte, so a larger length can only come from damaged or forged bytes; without this
 * check a forged length near 2^31 would make a read throw {@link OutOfMemoryError} instead of
 * {@code CorruptDataException}. Not thread-safe (pooled with its Kryo instance).
 */
final class BoundedInput extends Input {

  static void check(Input in, long length, String what) {
    long left = in.limit() - in.position();
    if (length < 0 || length > left) {
      throw new KryoException(what + " length " + length + " exceeds the " + left + " bytes left");
    }
  }

  @Override
  public byte[] readBytes(int length) {
    check(this, length, "byte array");
    return super.readBytes(length);
  }

  @Override
  public int[] readInts(int length) {
    check(this, length, "int array");
    return super.readInts(length);
  }

  @Override
  public int[] readInts(int length, boolean optimizePositive) {
    check(this, length, "int array");
    return super.readInts(length, optimizePositive);
  }

  @Override
  public long[] readLongs(int length) {
    check(this, length, "long array");
    return super.readLongs(length);
  }

  @Override
  public long[] readLongs(int length, boolean optimizePositive) {
    check(this, length, "long array");
    return super.readLongs(length, optimizePositive);
  }

  @Override
  public float[] readFloats(int length) {
    check(this, length, "float array");
    return super.readFloats(length);
  }

  @Override
  public double[] readDoubles(int length) {
    check(this, length, "double array");
    return super.readDoubles(length);
  }

  @Override
  public short[] readShorts(int length) {
    check(this, length, "short array");
    return super.readShorts(length);
  }

  @Override
  public char[] readChars(int length) {
    check(this, length, "char array");
    return super.readChars(length);
  }

  @Override
  public boolean[] readBooleans(int length) {
    check(this, length, "boolean array");
    return super.readBooleans(length);
  }

  /** A non-ASCII string starts with a flagged varint of its char count + 1: check it first. */
  @Override
  public String readString() {
    int pos = position();
    if (pos < limit() && (getBuffer()[pos] & 0x80) != 0) {
      int count = readVarIntFlag(true); // 0 = null, 1 = empty, else char count + 1
      setPosition(pos);
      if (count > 1) {
        check(this, (long) count - 1, "string");
      }
    }
    return super.readString();
  }

  /**
   * Wraps a serializer whose data starts with {@code length + 1} as a varint (Kryo's object
   * arrays) or a flagged varint (Kryo's collections: the flag says whether all elements share one
   * class), and checks that length before the wrapped one allocates for it.
   */
  static final class LengthChecked<T> extends Serializer<T> {
    private final Serializer<T> inner;
    private final boolean flagged;

    LengthChecked(Serializer<T> inner, boolean flagged) {
      super(inner.getAcceptsNull(), inner.isImmutable());
      this.inner = inner;
      this.flagged = flagged;
    }

    @Override
    public void write(Kryo kryo, Output output, T object) {
      inner.write(kryo, output, object);
    }

    @Override
    public T read(Kryo kryo, Input input, Class<? extends T> type) {
      int pos = input.position();
      int lengthPlusOne = flagged ? input.readVarIntFlag(true) : input.readVarInt(true);
      input.setPosition(pos);
      if (lengthPlusOne > 1) {
        check(input, (long) lengthPlusOne - 1, type.getSimpleName());
      }
      return inner.read(kryo, input, type);
    }

    @Override
    public T copy(Kryo kryo, T original) {
      return inner.copy(kryo, original);
    }
  }
}
