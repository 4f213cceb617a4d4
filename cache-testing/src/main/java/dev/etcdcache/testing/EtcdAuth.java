package dev.etcdcache.testing;

import static dev.etcdcache.testing.EtcdCluster.bytes;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.auth.Permission;
import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * etcd's users and roles on an {@link EtcdCluster} whose auth {@link EtcdCluster#enableAuth()}
 * turned on. Each user added here gets a role of the same name, and grants and revocations go to
 * that role, so tests speak of users only:
 *
 * <pre>{@code
 * EtcdAuth auth = etcd.enableAuth();
 * auth.addUser("alice", "alice-pw");
 * auth.grantPrefix("alice", Permission.Type.READ, "/a/");
 * Client alice = etcd.clientBuilder("alice", "alice-pw").build();
 * }</pre>
 *
 * <p>Every call is done by {@code root} over a fresh client and returns once etcd applied it.
 * Thread-safe.
 */
public final class EtcdAuth {

  /** etcd's superuser and its role. */
  public static final String ROOT = "root";

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final EtcdCluster cluster;
  private final String rootPassword;

  private EtcdAuth(EtcdCluster cluster, String rootPassword) {
    this.cluster = cluster;
    this.rootPassword = rootPassword;
  }

  /** Adds root, grants it the root role and enables auth, through {@code admin} (not yet logged in). */
  static EtcdAuth enable(Client admin, EtcdCluster cluster) {
    String password = "root-" + UUID.randomUUID();
    await(admin.getAuthClient().userAdd(bytes(ROOT), bytes(password)));
    await(admin.getAuthClient().userGrantRole(bytes(ROOT), bytes(ROOT)));
    await(admin.getAuthClient().authEnable());
    return new EtcdAuth(cluster, password);
  }

  /** root's password (generated). */
  public String rootPassword() {
    return rootPassword;
  }

  /** Adds {@code user} with {@code password} and a role named {@code user} with no permissions yet. */
  public void addUser(String user, String password) {
    as(auth -> auth.userAdd(bytes(user), bytes(password))
        .thenCompose(r -> auth.roleAdd(bytes(user)))
        .thenCompose(r -> auth.userGrantRole(bytes(user), bytes(user))));
  }

  /** Grants {@code user}'s role {@code type} on the keys starting with {@code prefix}. */
  public void grantPrefix(String user, Permission.Type type, String prefix) {
    grantRange(user, type, bytes(prefix), prefixEnd(bytes(prefix)));
  }

  /** Grants {@code user}'s role {@code type} on the single key {@code key}. */
  public void grantKey(String user, Permission.Type type, String key) {
    grantRange(user, type, bytes(key), ByteSequence.EMPTY);
  }

  /**
   * Grants {@code user}'s role {@code type} on {@code [key, rangeEnd)} with etcd's conventions: an
   * empty {@code rangeEnd} is the single key, {@code "\0"} means every key from {@code key} on.
   */
  public void grantRange(String user, Permission.Type type, ByteSequence key, ByteSequence rangeEnd) {
    as(auth -> auth.roleGrantPermission(bytes(user), key, rangeEnd, type));
  }

  /** Revokes the permission granted on the keys starting with {@code prefix} from {@code user}'s role. */
  public void revokePrefix(String user, String prefix) {
    as(auth -> auth.roleRevokePermission(bytes(user), bytes(prefix), prefixEnd(bytes(prefix))));
  }

  /** Deletes {@code user} (its tokens stop working at once) and its role. */
  public void deleteUser(String user) {
    as(auth -> auth.userDelete(bytes(user)).thenCompose(r -> auth.roleDelete(bytes(user))));
  }

  /** etcd's range end for a prefix: the prefix with its last byte below 0xff incremented; "\0" for all keys. */
  public static ByteSequence prefixEnd(ByteSequence prefix) {
    byte[] end = prefix.getBytes();
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return ByteSequence.from(Arrays.copyOf(end, i + 1));
      }
    }
    return ByteSequence.from(new byte[] {0});
  }

  private void as(Function<io.etcd.jetcd.Auth, CompletableFuture<?>> call) {
    for (int attempt = 1; ; attempt++) {
      try (Client root = cluster.newClient()) {
        await(call.apply(root.getAuthClient()));
        return;
      } catch (RuntimeException e) {
        // A short-lived token (a jwt TTL of a second or two) can expire between the fresh
        // client's login and the call on a busy machine; etcd refused the call, so it is safe to
        // log in again and repeat it.
        if (attempt == 3 || String.valueOf(e.getMessage()).indexOf("invalid auth token") < 0) {
          throw e;
        }
      }
    }
  }

  private static void await(CompletableFuture<?> f) {
    try {
      f.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
    } catch (TimeoutException e) {
      throw new EtcdUnavailableException("etcd auth call did not finish within " + TIMEOUT, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EtcdUnavailableException("interrupted during an etcd auth call", e);
    }
  }
}
