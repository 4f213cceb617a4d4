package dev.etcdcache.server;

import io.etcd.jetcd.api.ClusterGrpc;
import io.etcd.jetcd.api.Member;
import io.etcd.jetcd.api.MemberListRequest;
import io.etcd.jetcd.api.MemberListResponse;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.Optional;

/**
 * etcd's Cluster service, forwarded, except {@code MemberList} when an advertise client URL is
 * configured: then it answers with one member, named for this host, whose client URL is that
 * address, as {@code etcd grpc-proxy}'s cluster proxy does, so clients that sync endpoints keep
 * talking to this server.
 *
 * <p>Thread-safe.
 */
final class ClusterService {

  private final Forwarder forwarder;
  private final Optional<String> advertiseClientUrl;

  ClusterService(Forwarder forwarder, Optional<String> advertiseClientUrl) {
    this.forwarder = forwarder;
    this.advertiseClientUrl = advertiseClientUrl;
  }

  ServerServiceDefinition definition() {
    if (advertiseClientUrl.isEmpty()) {
      return forwarder.service(ClusterGrpc.getServiceDescriptor(), Map.of());
    }
    MemberListResponse self = MemberListResponse.newBuilder()
        .addMembers(Member.newBuilder().setName(hostname()).addClientURLs(advertiseClientUrl.get()))
        .build();
    ServerCallHandler<MemberListRequest, MemberListResponse> memberList =
        ServerCalls.asyncUnaryCall((request, observer) -> {
          observer.onNext(self);
          observer.onCompleted();
        });
    return forwarder.service(ClusterGrpc.getServiceDescriptor(),
        Map.of(ClusterGrpc.getMemberListMethod().getFullMethodName(), memberList));
  }

  private static String hostname() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "";
    }
  }
}
