package dev.etcdcache.core.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etcdcache.btree.BPlusTree;
import dev.etcdcache.core.store.StoreVersion;
import org.junit.jupiter.api.Test;

class VersionWindowTest {

  private static StoreVersion version(long revision) {
    return new StoreVersion(revision, BPlusTree.empty(), revision);
  }

  @Test
  void add_pastByteBound_dropsOldestAndGivesBackWhatItPinned() {
    VersionWindow w = new VersionWindow(1_000, Long.MAX_VALUE, 250);
    w.add(version(1), 1, 999); // the first version's predecessor is gone: pins nothing
    w.add(version(2), 2, 100);
    w.add(version(3), 3, 100);
    assertThat(w.pinnedBytes()).isEqualTo(200);
    assertThat(w.oldestRevision()).isEqualTo(1);
    w.add(version(4), 4, 100); // 300 > 250: version 1 goes, and the 100 bytes it pinned
    assertThat(w.pinnedBytes()).isEqualTo(200);
    assertThat(w.oldestRevision()).isEqualTo(2);
    assertThat(w.at(1)).isEmpty();
    assertThat(w.at(2)).isPresent();
  }

  @Test
  void trimToNewest_keepsOnlyNewestAndPinsNothing() {
    VersionWindow w = new VersionWindow(1_000, Long.MAX_VALUE);
    for (long r = 1; r <= 5; r++) {
      w.add(version(r), r, 10);
    }
    assertThat(w.pinnedBytes()).isEqualTo(40);
    w.trimToNewest();
    assertThat(w.pinnedBytes()).isZero();
    assertThat(w.held()).extracting(StoreVersion::revision).containsExactly(5L);
    w.clear();
    assertThat(w.oldestRevision()).isEqualTo(-1);
  }
}
