package dev.etcdcache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.etcdcache.testing.EtcdExtension;
import io.etcd.jetcd.api.ClusterGrpc;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrantResponse;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveRequest;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.MemberListRequest;
import io.etcd.jetcd.api.MemberListResponse;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.SnapshotRequest;
import io.etcd.jetcd.api.SnapshotResponse;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.etcd.jetcd.api.lock.LockGrpc;
import io.etcd.jetcd.api.lock.LockRequest;
import io.etcd.jetcd.api.lock.LockResponse;
import io.etcd.jetcd.api.lock.UnlockRequest;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** RPCs the server forwards to etcd: Lease (with the keep-alive stream), Txn, Cluster, Maintenance, Lock. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ForwardingTest {

  @RegisterExtension
  static final EtcdExtension etcd = EtcdExtension.builder().build();

  private static ServerFixture fixture;

  @BeforeAll
  static void start() {
    fixture = new ServerFixture(etcd);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    fixture.close();
  }

  @Test
  void lease_grantKeepAliveRevoke_reachEtcd() throws Exception {
    LeaseGrpc.LeaseBlockingStub server = LeaseGrpc.newBlockingStub(fixture.toServer);
    LeaseGrpc.LeaseBlockingStub direct = LeaseGrpc.newBlockingStub(fixture.toEtcd);
    LeaseGrantResponse grant = server.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(30).build());
    assertThat(grant.getError()).isEmpty();
    assertThat(direct.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(grant.getID()).build()).getTTL())
        .isPositive();

    LinkedBlockingQueue<LeaseKeepAliveResponse> responses = new LinkedBlockingQueue<>();
    StreamObserver<LeaseKeepAliveRequest> keepAlive = LeaseGrpc.newStub(fixture.toServer).leaseKeepAlive(
        new StreamObserver<>() {
          @Override
          public void onNext(LeaseKeepAliveResponse value) {
            responses.add(value);
          }

          @Override
          public void onError(Throwable t) {
          }

          @Override
          public void onCompleted() {
          }
        });
    for (int i = 0; i < 3; i++) {
      keepAlive.onNext(LeaseKeepAliveRequest.newBuilder().setID(grant.getID()).build());
      LeaseKeepAliveResponse r = responses.poll(30, TimeUnit.SECONDS);
      assertThat(r).isNotNull();
      assertThat(r.getID()).isEqualTo(grant.getID());
      assertThat(r.getTTL()).isEqualTo(30);
    }
    keepAlive.onCompleted();

    server.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(grant.getID()).build());
    assertThat(direct.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(grant.getID()).build()).getTTL())
        .isEqualTo(-1);
  }

  @Test
  void txn_throughServer_appliedByEtcd() {
    KVGrpc.KVBlockingStub server = KVGrpc.newBlockingStub(fixture.toServer);
    KVGrpc.KVBlockingStub direct = KVGrpc.newBlockingStub(fixture.toEtcd);
    ByteString key = ByteString.copyFromUtf8("txn/a");
    TxnResponse r = server.txn(TxnRequest.newBuilder()
        .addCompare(Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.VERSION)
            .setResult(Compare.CompareResult.EQUAL).setVersion(0))
        .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8("1"))))
        .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(key)))
        .build());
    assertThat(r.getSucceeded()).isTrue();
    var kv = direct.range(RangeRequest.newBuilder().setKey(key).build());
    assertThat(kv.getKvs(0).getValue().toStringUtf8()).isEqualTo("1");
    assertThat(r.getHeader().getRevision()).isEqualTo(kv.getKvs(0).getModRevision());
  }

  @Test
  void memberList_withoutAdvertiseUrl_isEtcds() {
    MemberListResponse server = ClusterGrpc.newBlockingStub(fixture.toServer).memberList(MemberListRequest.getDefaultInstance());
    MemberListResponse direct = ClusterGrpc.newBlockingStub(fixture.toEtcd).memberList(MemberListRequest.getDefaultInstance());
    assertThat(server).isEqualTo(direct);
  }

  @Test
  void memberList_withAdvertiseUrl_answersWithThisServer() throws Exception {
    try (CacheServer other = CacheServer.start(ServerConfig.defaults().withEndpoints(etcd.endpoints())
        .withListen("127.0.0.1", 0).withAdvertiseClientUrl("http://cache.example:23790"))) {
      ManagedChannel channel = ServerFixture.channel(URI.create(other.clientUrl()));
      try {
        MemberListResponse r = ClusterGrpc.newBlockingStub(channel).memberList(MemberListRequest.getDefaultInstance());
        assertThat(r.getMembersCount()).isEqualTo(1);
        assertThat(r.getMembers(0).getClientURLsList()).containsExactly("http://cache.example:23790");
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void status_throughServer_isEtcdMembersStatus() {
    StatusResponse server = MaintenanceGrpc.newBlockingStub(fixture.toServer).status(StatusRequest.getDefaultInstance());
    StatusResponse direct = MaintenanceGrpc.newBlockingStub(fixture.toEtcd).status(StatusRequest.getDefaultInstance());
    assertThat(server.getVersion()).isEqualTo(direct.getVersion());
    assertThat(server.getLeader()).isEqualTo(direct.getLeader());
    assertThat(server.getHeader().getMemberId()).isEqualTo(direct.getHeader().getMemberId());
  }

  @Test
  void snapshot_serverStream_forwardedWhole() {
    long bytes = 0;
    var it = MaintenanceGrpc.newBlockingStub(fixture.toServer).snapshot(SnapshotRequest.getDefaultInstance());
    long remaining = -1;
    while (it.hasNext()) {
      SnapshotResponse r = it.next();
      bytes += r.getBlob().size();
      remaining = r.getRemainingBytes();
    }
    assertThat(bytes).isPositive();
    assertThat(remaining).isZero();
  }

  @Test
  void lock_lockAndUnlock_throughServer() {
    long lease = LeaseGrpc.newBlockingStub(fixture.toServer).leaseGrant(LeaseGrantRequest.newBuilder().setTTL(30).build()).getID();
    LockResponse locked = LockGrpc.newBlockingStub(fixture.toServer)
        .lock(LockRequest.newBuilder().setName(ByteString.copyFromUtf8("lock/x")).setLease(lease).build());
    assertThat(locked.getKey().toStringUtf8()).startsWith("lock/x/");
    LockGrpc.newBlockingStub(fixture.toServer).unlock(UnlockRequest.newBuilder().setKey(locked.getKey()).build());
    assertThat(KVGrpc.newBlockingStub(fixture.toEtcd).range(RangeRequest.newBuilder().setKey(locked.getKey()).build())
        .getCount()).isZero();
  }
}
