package dev.etcdcache.adapter.kubernetes;

import java.util.Optional;

/**
 * Opens values that kube-apiserver encrypted at rest ({@code EncryptionConfiguration}): a value
 * {@code k8s:enc:<provider>:<version>:<keyName>:<ciphertext>}. The adapter calls it once per change of
 * an encrypted key, on the cache's apply thread, so it must be fast and must not block on the network
 * (a KMS plugin call belongs in a cache of unwrapped data keys). Implementations must be thread-safe.
 *
 * <p>For the {@code aescbc}, {@code aesgcm} and {@code secretbox} providers kube-apiserver
 * authenticates the ciphertext with the etcd key, which is why it is passed.
 */
@FunctionalInterface
public interface ValueDecryptor {

  /**
   * The plaintext stored value (itself a {@code k8s\0} envelope or JSON), or empty if this decryptor
   * does not hold the key; then the object is reported as {@link ValueEncoding#ENCRYPTED}.
   *
   * @param etcdKey the etcd key of the value
   * @param provider the provider name from the prefix ({@code aescbc}, {@code aesgcm},
   *     {@code secretbox}, {@code kms})
   * @param version the prefix's version ({@code v1}, {@code v2} for KMS v2)
   * @param keyName the key (or KMS plugin) name from the prefix
   * @param ciphertext the bytes after the prefix
   * @throws RuntimeException if the ciphertext does not open with a key it holds; the view counts
   *     the value as a decode failure
   */
  Optional<byte[]> decrypt(String etcdKey, String provider, String version, String keyName, byte[] ciphertext);
}
