package dev.etcdcache.btree;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/** Structural checks and node accounting over a tree's internals, for tests in this package. */
final class TreeInvariants {

  private TreeInvariants() {}

  /**
   * Checks every structural invariant: sorted keys inside their separators' bounds, subtree sizes,
   * node capacities, all leaves at one depth, no stale references past {@code n}.
   *
   * @throws AssertionError describing the first violation
   */
  static void check(BPlusTree<?> tree) {
    int[] leafDepth = {-1};
    check(tree.root, null, null, true, 0, leafDepth);
  }

  /** The number of nodes in the tree. */
  static int nodeCount(BPlusTree<?> tree) {
    return nodes(tree.root).size();
  }

  /** The number of levels, 1 for a lone leaf. */
  static int depth(BPlusTree<?> tree) {
    int d = 1;
    Node node = tree.root;
    while (node instanceof Inner in) {
      node = in.children[0];
      d++;
    }
    return d;
  }

  /** The number of nodes of {@code after} that are not (by identity) nodes of {@code before}. */
  static int newNodes(BPlusTree<?> before, BPlusTree<?> after) {
    Set<Node> old = nodes(before.root);
    int fresh = 0;
    ArrayDeque<Node> todo = new ArrayDeque<>();
    todo.push(after.root);
    while (!todo.isEmpty()) {
      Node node = todo.pop();
      if (old.contains(node)) {
        continue; // shared subtree: nothing below it is new either
      }
      fresh++;
      if (node instanceof Inner in) {
        for (int i = 0; i < in.n; i++) {
          todo.push(in.children[i]);
        }
      }
    }
    return fresh;
  }

  private static Set<Node> nodes(Node root) {
    Set<Node> all = Collections.newSetFromMap(new IdentityHashMap<>());
    ArrayDeque<Node> todo = new ArrayDeque<>();
    todo.push(root);
    while (!todo.isEmpty()) {
      Node node = todo.pop();
      all.add(node);
      if (node instanceof Inner in) {
        for (int i = 0; i < in.n; i++) {
          todo.push(in.children[i]);
        }
      }
    }
    return all;
  }

  private static int check(
      Node node, byte[] lo, byte[] hi, boolean isRoot, int depth, int[] leafDepth) {
    if (node instanceof Leaf leaf) {
      require(leaf.n <= Node.LEAF_MAX, "leaf over capacity: " + leaf.n);
      // Lengths may differ: a persistent value update shares the key array, slack included.
      require(leaf.n <= leaf.keys.length && leaf.n <= leaf.vals.length, "leaf n beyond arrays");
      for (int i = 0; i < leaf.n; i++) {
        require(leaf.keys[i] != null && leaf.vals[i] != null, "null entry in leaf at " + i);
        if (i > 0) {
          require(KeyOrder.compare(leaf.keys[i - 1], leaf.keys[i]) < 0, "leaf keys not ascending");
        }
        require(lo == null || KeyOrder.compare(leaf.keys[i], lo) >= 0, "leaf key below bound");
        require(hi == null || KeyOrder.compare(leaf.keys[i], hi) < 0, "leaf key above bound");
      }
      for (int i = leaf.n; i < leaf.keys.length; i++) {
        require(leaf.keys[i] == null, "stale key slot in leaf at " + i);
      }
      for (int i = leaf.n; i < leaf.vals.length; i++) {
        require(leaf.vals[i] == null, "stale value slot in leaf at " + i);
      }
      if (leafDepth[0] < 0) {
        leafDepth[0] = depth;
      }
      require(leafDepth[0] == depth, "leaves at different depths");
      return leaf.n;
    }
    Inner in = (Inner) node;
    require(in.n >= (isRoot ? 2 : 1) && in.n <= Node.INNER_MAX, "inner child count " + in.n);
    require(in.seps.length >= in.n - 1 && in.counts.length >= in.n, "inner arrays too short");
    int sum = 0;
    for (int i = 0; i < in.n; i++) {
      byte[] clo = i == 0 ? lo : in.seps[i - 1];
      byte[] chi = i == in.n - 1 ? hi : in.seps[i];
      if (i > 0) {
        require(clo != null, "null separator");
        require(lo == null || KeyOrder.compare(clo, lo) > 0, "separator not above lower bound");
        require(hi == null || KeyOrder.compare(clo, hi) < 0, "separator not below upper bound");
        if (i > 1) {
          require(KeyOrder.compare(in.seps[i - 2], clo) < 0, "separators not ascending");
        }
      }
      int childSize = check(in.children[i], clo, chi, false, depth + 1, leafDepth);
      require(in.counts[i] == childSize, "stale subtree count at child " + i);
      sum += childSize;
    }
    for (int i = in.n; i < in.children.length; i++) {
      require(in.children[i] == null, "stale child slot at " + i);
    }
    for (int i = in.n - 1; i < in.seps.length; i++) {
      require(in.seps[i] == null, "stale separator slot at " + i);
    }
    require(in.size == sum, "stale subtree size");
    return sum;
  }

  private static void require(boolean ok, String what) {
    if (!ok) {
      throw new AssertionError("tree invariant broken: " + what);
    }
  }
}
