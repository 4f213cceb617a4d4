package dev.etcdcache.core;

import dev.etcdcache.api.Adapter;
import java.nio.charset.StandardCharsets;

/** The simplest typed view a test needs: every value is its UTF-8 text, no index. */
final class Utf8Strings implements Adapter<String> {

  @Override
  public String decode(byte[] key, byte[] value) {
    return new String(value, StandardCharsets.UTF_8);
  }

  @Override
  public byte[] encode(String object) {
    return object.getBytes(StandardCharsets.UTF_8);
  }
}
