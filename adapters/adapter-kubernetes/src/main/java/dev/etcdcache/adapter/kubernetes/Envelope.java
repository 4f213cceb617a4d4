package dev.etcdcache.adapter.kubernetes;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * kube-apiserver's protobuf storage envelope: the magic {@code k8s\0}, then a {@code runtime.Unknown}
 * with {@code typeMeta} (1: {@code apiVersion} 1, {@code kind} 2), {@code raw} (2),
 * {@code contentEncoding} (3) and {@code contentType} (4). Read and written by hand rather than
 * through client-java-proto's {@code Runtime.Unknown}, whose generated parser is the pre-22 code
 * protobuf 4.x warns about (see {@link ProtoKinds}); the format is four fields. Immutable.
 *
 * @param apiVersion {@code typeMeta.apiVersion}
 * @param kind {@code typeMeta.kind}
 * @param raw the object's protobuf
 * @param contentEncoding empty in everything kube-apiserver writes
 */
record Envelope(String apiVersion, String kind, ByteString raw, String contentEncoding) {

  static final byte[] MAGIC = {'k', '8', 's', 0};

  /**
   * Parses a stored value that starts with {@link #MAGIC}.
   *
   * @throws InvalidProtocolBufferException if the bytes after the magic are not a runtime.Unknown
   */
  static Envelope parse(byte[] value) throws InvalidProtocolBufferException {
    CodedInputStream in = CodedInputStream.newInstance(value, MAGIC.length, value.length - MAGIC.length);
    String apiVersion = "";
    String kind = "";
    ByteString raw = ByteString.EMPTY;
    String contentEncoding = "";
    try {
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        switch (tag) {
          case (1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
            CodedInputStream typeMeta = in.readBytes().newCodedInput();
            for (int t = typeMeta.readTag(); t != 0; t = typeMeta.readTag()) {
              switch (t) {
                case (1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> apiVersion = typeMeta.readStringRequireUtf8();
                case (2 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> kind = typeMeta.readStringRequireUtf8();
                default -> typeMeta.skipField(t);
              }
            }
          }
          case (2 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> raw = in.readBytes();
          case (3 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> contentEncoding = in.readStringRequireUtf8();
          default -> in.skipField(tag);
        }
      }
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidProtocolBufferException(e);
    }
    return new Envelope(apiVersion, kind, raw, contentEncoding);
  }

  /** The stored value: magic, then the runtime.Unknown, fields in number order as Go writes them. */
  byte[] toValue() {
    ByteArrayOutputStream typeMetaBytes = new ByteArrayOutputStream();
    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.size() + 64);
    try {
      CodedOutputStream typeMeta = CodedOutputStream.newInstance(typeMetaBytes);
      typeMeta.writeString(1, apiVersion);
      typeMeta.writeString(2, kind);
      typeMeta.flush();
      out.write(MAGIC);
      CodedOutputStream unknown = CodedOutputStream.newInstance(out);
      unknown.writeByteArray(1, typeMetaBytes.toByteArray());
      unknown.writeBytes(2, raw);
      unknown.writeString(3, contentEncoding);
      unknown.writeString(4, "");
      unknown.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
