package io.github.atomicdb;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Every file under a directory with its size, modification time and SHA-256: "untouched" checks. */
final class DirState {
  private DirState() {}

  static Map<String, String> of(Path dir) {
    Map<String, String> m = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String rel = dir.relativize(p).toString();
        if (Files.isDirectory(p)) {
          m.put(rel + "/", "dir " + Files.getLastModifiedTime(p).toMillis());
        } else {
          byte[] b = Files.readAllBytes(p);
          m.put(rel, b.length + " " + Files.getLastModifiedTime(p).toMillis() + " "
              + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b)));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
    return m;
  }
}
