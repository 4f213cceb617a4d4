package dev.etcdcache.adapter.kubernetes;

/** How a value under the Kubernetes prefix was stored, as the decoder found it. */
public enum ValueEncoding {
  /**
   * kube-apiserver's protobuf envelope: {@code k8s\0} followed by a {@code runtime.Unknown}. The
   * object is typed when client-java-proto knows its kind, otherwise kept as metadata plus raw bytes.
   */
  PROTOBUF,
  /** A JSON document (custom resources, clusters run with {@code --storage-media-type=application/json}). */
  JSON,
  /**
   * Encrypted at rest ({@code k8s:enc:<provider>:v1:<key>:} prefix) and no decryptor opened it: only
   * the key's namespace and name are known.
   */
  ENCRYPTED,
  /**
   * Not a Kubernetes object: a key that is not an object key under the layout's prefix (such as
   * kube-apiserver's {@code compact_rev_key}). Views skip these.
   */
  NOT_AN_OBJECT
}
