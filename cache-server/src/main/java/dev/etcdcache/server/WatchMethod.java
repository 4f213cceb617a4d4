package dev.etcdcache.server;

import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import java.io.InputStream;

/**
 * etcd's Watch method as this server registers it: jetcd's generated descriptor (same name, type,
 * request marshaller) with a response marshaller that also takes an {@link EncodedWatchResponse}
 * and writes its bytes unchanged, so a response encoded once goes to many streams. A
 * {@link WatchResponse} is marshalled by the generated marshaller, and parsing (a forwarded call's
 * responses from etcd) yields {@link WatchResponse}s as before.
 */
enum WatchMethod {
  ;

  private static final MethodDescriptor.Marshaller<WatchResponse> PROTO = WatchGrpc.getWatchMethod().getResponseMarshaller();

  /** The Watch method whose responses are {@link WatchResponse} or {@link EncodedWatchResponse}. */
  static final MethodDescriptor<WatchRequest, Object> WATCH = WatchGrpc.getWatchMethod()
      .toBuilder(WatchGrpc.getWatchMethod().getRequestMarshaller(), new MethodDescriptor.Marshaller<Object>() {
        @Override
        public InputStream stream(Object value) {
          return value instanceof EncodedWatchResponse e ? e.stream() : PROTO.stream((WatchResponse) value);
        }

        @Override
        public Object parse(InputStream stream) {
          return PROTO.parse(stream);
        }
      })
      .build();

  /** etcd's Watch service with {@link #WATCH} as its one method. */
  static final ServiceDescriptor SERVICE = ServiceDescriptor.newBuilder(WatchGrpc.SERVICE_NAME)
      .setSchemaDescriptor(WatchGrpc.getServiceDescriptor().getSchemaDescriptor())
      .addMethod(WATCH)
      .build();
}
