/**
 * atomic-db: an embedded atomic store. The API is package {@code io.github.atomicdb} alone;
 * {@code io.github.atomicdb.spi} (the backend SPI) is open only to the backend modules built in
 * this repository, and {@code io.github.atomicdb.internal} to nobody.
 */
module io.github.atomicdb {
  requires com.esotericsoftware.kryo;
  requires com.github.f4b6a3.ulid;
  requires com.github.benmanes.caffeine;
  requires rocksdbjni;

  exports io.github.atomicdb;
  exports io.github.atomicdb.spi to
      io.github.atomicdb.etcd;
}
