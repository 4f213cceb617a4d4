// Command clientv3transcript drives etcd's own Go client (clientv3 3.4.23, Debian's
// golang-etcd-server-dev) against one endpoint and prints a deterministic transcript.
//
// Built offline in GOPATH mode by dev.etcdcache.server.clients.GoClientv3Test
// (GO111MODULE=off GOPATH=<this src tree's parent>:/usr/share/gocode go build clientv3transcript)
// and run against a fresh reference etcd and against cache-server in front of its own fresh etcd;
// the transcripts must be equal.
//
// Usage: clientv3transcript <client URL>
//
//	clientv3transcript outage <client URL>   (see outage)
//
// Normalised here, because they differ between two clusters by construction: lease IDs (printed
// as <lease-N> in order of first appearance), member and cluster IDs (not printed), and URLs equal
// to the dialled endpoint (printed as <endpoint>).
package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"go.etcd.io/etcd/clientv3"
	"go.etcd.io/etcd/clientv3/concurrency"
	"go.etcd.io/etcd/mvcc/mvccpb"
)

const timeout = 15 * time.Second // a hang guard, not a speed claim

var (
	endpoint string
	leases   = map[clientv3.LeaseID]string{}
)

func out(format string, args ...interface{}) {
	fmt.Printf(format+"\n", args...)
}

func lease(id clientv3.LeaseID) string {
	if id == 0 {
		return "0"
	}
	if name, ok := leases[id]; ok {
		return name
	}
	name := fmt.Sprintf("<lease-%d>", len(leases)+1)
	leases[id] = name
	return name
}

func url(u string) string {
	if u == endpoint {
		return "<endpoint>"
	}
	return u
}

func kv(k *mvccpb.KeyValue) string {
	return fmt.Sprintf("%s=%s create=%d mod=%d version=%d lease=%s", k.Key, k.Value, k.CreateRevision,
		k.ModRevision, k.Version, lease(clientv3.LeaseID(k.Lease)))
}

func get(cli *clientv3.Client, what, key string, opts ...clientv3.OpOption) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	r, err := cli.Get(ctx, key, opts...)
	if err != nil {
		out("get %s -> error %v", what, err)
		return
	}
	out("get %s -> revision=%d count=%d more=%v", what, r.Header.Revision, r.Count, r.More)
	for _, k := range r.Kvs {
		out("  %s", kv(k))
	}
}

func put(cli *clientv3.Client, key, value string, opts ...clientv3.OpOption) int64 {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	r, err := cli.Put(ctx, key, value, opts...)
	if err != nil {
		out("put %s -> error %v", key, err)
		return 0
	}
	prev := ""
	if r.PrevKv != nil {
		prev = " prev=(" + kv(r.PrevKv) + ")"
	}
	out("put %s=%s -> revision=%d%s", key, value, r.Header.Revision, prev)
	return r.Header.Revision
}

func event(e *clientv3.Event) string {
	s := fmt.Sprintf("%s %s", e.Type, kv(e.Kv))
	if e.PrevKv != nil {
		s += " prev=(" + kv(e.PrevKv) + ")"
	}
	return s
}

// collect reads watch responses until n events arrived, the channel closed, or the timeout.
func collect(what string, ch clientv3.WatchChan, n int) {
	events := 0
	deadline := time.After(timeout)
	for events < n {
		select {
		case resp, ok := <-ch:
			if !ok {
				out("%s: channel closed", what)
				return
			}
			if resp.Canceled || resp.Err() != nil {
				out("%s: canceled=%v compact_revision=%d err=%v", what, resp.Canceled, resp.CompactRevision, resp.Err())
				return
			}
			if resp.IsProgressNotify() {
				out("%s: progress notify revision=%d", what, resp.Header.Revision)
				continue
			}
			out("%s: response revision=%d", what, resp.Header.Revision)
			for _, e := range resp.Events {
				out("%s:   %s", what, event(e))
				events++
			}
		case <-deadline:
			out("%s: TIMEOUT waiting for %d more events", what, n-events)
			return
		}
	}
}

func kvSteps(cli *clientv3.Client) {
	out("== kv")
	put(cli, "kv/a", "1")
	put(cli, "kv/b", "22")
	afterB := put(cli, "kv/c", "0")
	put(cli, "kv/d", "4444")
	put(cli, "kv/b", "3", clientv3.WithPrevKV())
	put(cli, "kv0", "outside")
	get(cli, "kv/a", "kv/a")
	get(cli, "prefix", "kv/", clientv3.WithPrefix())
	get(cli, "from-key kv/c", "kv/c", clientv3.WithFromKey())
	get(cli, "range kv/b..kv/d", "kv/b", clientv3.WithRange("kv/d"))
	get(cli, "prefix at rev", "kv/", clientv3.WithPrefix(), clientv3.WithRev(afterB))
	get(cli, "prefix limit 2", "kv/", clientv3.WithPrefix(), clientv3.WithLimit(2))
	get(cli, "prefix sort mod desc limit 2", "kv/", clientv3.WithPrefix(),
		clientv3.WithSort(clientv3.SortByModRevision, clientv3.SortDescend), clientv3.WithLimit(2))
	get(cli, "prefix sort value asc", "kv/", clientv3.WithPrefix(), clientv3.WithSort(clientv3.SortByValue, clientv3.SortAscend))
	get(cli, "prefix keys-only", "kv/", clientv3.WithPrefix(), clientv3.WithKeysOnly())
	get(cli, "prefix count-only", "kv/", clientv3.WithPrefix(), clientv3.WithCountOnly())
	get(cli, "prefix serializable", "kv/", clientv3.WithPrefix(), clientv3.WithSerializable())
	get(cli, "prefix min-mod-rev", "kv/", clientv3.WithPrefix(), clientv3.WithMinModRev(afterB))
	get(cli, "prefix max-create-rev", "kv/", clientv3.WithPrefix(), clientv3.WithMaxCreateRev(afterB-1))
	get(cli, "future rev", "kv/", clientv3.WithPrefix(), clientv3.WithRev(1000000))

	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	d, err := cli.Delete(ctx, "kv/", clientv3.WithPrefix(), clientv3.WithPrevKV())
	if err != nil {
		out("delete prefix -> error %v", err)
	} else {
		out("delete prefix -> revision=%d deleted=%d", d.Header.Revision, d.Deleted)
		for _, k := range d.PrevKvs {
			out("  prev %s", kv(k))
		}
	}
	t, err := cli.Txn(ctx).
		If(clientv3.Compare(clientv3.Value("kv0"), "=", "outside"), clientv3.Compare(clientv3.Version("kv/a"), "=", 0)).
		Then(clientv3.OpPut("kv/txn", "yes"), clientv3.OpGet("kv0")).
		Else(clientv3.OpDelete("kv0")).
		Commit()
	if err != nil {
		out("txn -> error %v", err)
	} else {
		out("txn -> revision=%d succeeded=%v responses=%d", t.Header.Revision, t.Succeeded, len(t.Responses))
		for _, r := range t.Responses {
			if rr := r.GetResponseRange(); rr != nil {
				for _, k := range rr.Kvs {
					out("  range %s", kv(k))
				}
			}
		}
	}
}

// bytesSteps uses keys that are not text: etcd orders keys as unsigned bytes, and a prefix ending
// in 0xff has a range end computed by dropping trailing 0xff bytes.
func bytesSteps(cli *clientv3.Client) {
	out("== bytes")
	keys := []string{"bin/a", "bin/\x00", "bin/\x7f", "bin/\x80", "bin/\xc3\xa9", "bin/\xff", "bin/\xff\xff", "bin/\xffa", "bin0"}
	start := int64(0)
	for i, k := range keys {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		r, err := cli.Put(ctx, k, fmt.Sprintf("v%d", i))
		cancel()
		if err != nil {
			out("put %q -> error %v", k, err)
			continue
		}
		if start == 0 {
			start = r.Header.Revision
		}
	}
	show := func(what, key string, opts ...clientv3.OpOption) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		r, err := cli.Get(ctx, key, opts...)
		if err != nil {
			out("get %s -> error %v", what, err)
			return
		}
		var got []string
		for _, k := range r.Kvs {
			got = append(got, fmt.Sprintf("%q=%s", k.Key, k.Value))
		}
		out("get %s -> count=%d more=%v %s", what, r.Count, r.More, strings.Join(got, " "))
	}
	show("prefix bin/", "bin/", clientv3.WithPrefix())
	show("prefix bin/\\xff", "bin/\xff", clientv3.WithPrefix())
	show("from-key bin/\\x80", "bin/\x80", clientv3.WithFromKey())
	show("range \\x7f..\\xff", "bin/\x7f", clientv3.WithRange("bin/\xff"))
	show("prefix bin/ descend limit 4", "bin/", clientv3.WithPrefix(), clientv3.WithSort(clientv3.SortByKey, clientv3.SortDescend), clientv3.WithLimit(4))
	show("prefix bin/ limit 3", "bin/", clientv3.WithPrefix(), clientv3.WithLimit(3))
	show("prefix bin/ sort value descend", "bin/", clientv3.WithPrefix(), clientv3.WithSort(clientv3.SortByValue, clientv3.SortDescend))
	wctx, wcancel := context.WithCancel(clientv3.WithRequireLeader(context.Background()))
	ch := cli.Watch(wctx, "bin/\xff", clientv3.WithPrefix(), clientv3.WithRev(start))
	select {
	case resp := <-ch:
		var got []string
		for _, e := range resp.Events {
			got = append(got, fmt.Sprintf("%s %q", e.Type, e.Kv.Key))
		}
		out("watch prefix bin/\\xff -> %s", strings.Join(got, " "))
	case <-time.After(timeout):
		out("watch prefix bin/\\xff -> TIMEOUT")
	}
	wcancel()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	d, err := cli.Delete(ctx, "bin/\x80", clientv3.WithRange("bin/\xffa"))
	if err != nil {
		out("delete range -> error %v", err)
	} else {
		out("delete range \\x80..\\xffa -> deleted=%d", d.Deleted)
	}
	show("prefix bin/ after delete", "bin/", clientv3.WithPrefix())
}

func watchSteps(cli *clientv3.Client) {
	out("== watch")
	start := put(cli, "w/a", "1")
	put(cli, "w/b", "2")
	put(cli, "w/a", "3")
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	if _, err := cli.Delete(ctx, "w/b"); err != nil {
		out("delete w/b -> error %v", err)
	}
	cancel()

	hctx, hcancel := context.WithCancel(clientv3.WithRequireLeader(context.Background()))
	collect("history", cli.Watch(hctx, "w/", clientv3.WithPrefix(), clientv3.WithRev(start), clientv3.WithPrevKV()), 4)
	hcancel()

	fctx, fcancel := context.WithCancel(clientv3.WithRequireLeader(context.Background()))
	collect("filter-put", cli.Watch(fctx, "w/", clientv3.WithPrefix(), clientv3.WithRev(start), clientv3.WithFilterPut()), 1)
	collect("filter-delete", cli.Watch(fctx, "w/", clientv3.WithPrefix(), clientv3.WithRev(start), clientv3.WithFilterDelete(),
		clientv3.WithPrevKV()), 3)
	collect("from-key w/b", cli.Watch(fctx, "w/b", clientv3.WithFromKey(), clientv3.WithRev(start)), 2)
	collect("range w/a..w/b", cli.Watch(fctx, "w/a", clientv3.WithRange("w/b"), clientv3.WithRev(start)), 2)
	collect("fragment", cli.Watch(fctx, "w/", clientv3.WithPrefix(), clientv3.WithRev(start), clientv3.WithFragment()), 4)
	fcancel()

	lctx, lcancel := context.WithCancel(clientv3.WithRequireLeader(context.Background()))
	live := cli.Watch(lctx, "w/", clientv3.WithPrefix(), clientv3.WithPrevKV(), clientv3.WithCreatedNotify(),
		clientv3.WithProgressNotify())
	select {
	case resp := <-live:
		out("live: created=%v", resp.Created)
	case <-time.After(timeout):
		out("live: TIMEOUT waiting for the created notification")
	}
	put(cli, "w/a", "4")
	put(cli, "w/c", "5")
	collect("live", live, 2)
	rctx, rcancel := context.WithTimeout(clientv3.WithRequireLeader(context.Background()), timeout)
	if err := cli.RequestProgress(rctx); err != nil {
		out("request progress -> error %v", err)
	}
	rcancel()
	select {
	case resp := <-live:
		out("live: after RequestProgress: progress=%v revision=%d events=%d", resp.IsProgressNotify(), resp.Header.Revision, len(resp.Events))
	case <-time.After(timeout):
		out("live: TIMEOUT waiting for the progress notification")
	}
	lcancel()
	drained := 0
	for range live {
		drained++
	}
	out("live: channel closed after cancel")
}

func compactionSteps(cli *clientv3.Client) {
	out("== compaction")
	first := put(cli, "cmp/a", "1")
	put(cli, "cmp/a", "2")
	third := put(cli, "cmp/a", "3")
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if _, err := cli.Compact(ctx, third, clientv3.WithCompactPhysical()); err != nil {
		out("compact -> error %v", err)
	}
	get(cli, "at compacted rev", "cmp/a", clientv3.WithRev(first))
	get(cli, "at compact rev", "cmp/a", clientv3.WithRev(third))
	wctx, wcancel := context.WithCancel(clientv3.WithRequireLeader(context.Background()))
	collect("compacted watch", cli.Watch(wctx, "cmp/a", clientv3.WithRev(first)), 1)
	wcancel()
}

func leaseSteps(cli *clientv3.Client) {
	out("== lease")
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	g, err := cli.Grant(ctx, 100)
	if err != nil {
		out("grant -> error %v", err)
		return
	}
	out("grant -> %s ttl=%d", lease(g.ID), g.TTL)
	put(cli, "lease/k", "v", clientv3.WithLease(g.ID))
	k, err := cli.KeepAliveOnce(ctx, g.ID)
	if err != nil {
		out("keepalive once -> error %v", err)
	} else {
		out("keepalive once -> %s ttl=%d", lease(k.ID), k.TTL)
	}
	ttl, err := cli.TimeToLive(ctx, g.ID, clientv3.WithAttachedKeys())
	if err != nil {
		out("timetolive -> error %v", err)
	} else {
		out("timetolive -> granted=%d remaining within granted=%v keys=%q", ttl.GrantedTTL, ttl.TTL > 0 && ttl.TTL <= ttl.GrantedTTL, ttl.Keys)
	}
	if _, err := cli.Revoke(ctx, g.ID); err != nil {
		out("revoke -> error %v", err)
	}
	get(cli, "after revoke", "lease/k")
}

func concurrencySteps(cli *clientv3.Client) {
	out("== concurrency")
	s1, err := concurrency.NewSession(cli, concurrency.WithTTL(10))
	if err != nil {
		out("session 1 -> error %v", err)
		return
	}
	defer s1.Close()
	s2, err := concurrency.NewSession(cli, concurrency.WithTTL(10))
	if err != nil {
		out("session 2 -> error %v", err)
		return
	}
	defer s2.Close()
	lease(s1.Lease())
	lease(s2.Lease())

	m1 := concurrency.NewMutex(s1, "/mtx/")
	m2 := concurrency.NewMutex(s2, "/mtx/")
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out("m1 lock -> %v key has prefix=%v", m1.Lock(ctx), strings.HasPrefix(m1.Key(), "/mtx/"))
	short, shortCancel := context.WithTimeout(context.Background(), time.Second)
	out("m2 lock while m1 holds (1 s) -> %v", short.Err() == nil && m2.Lock(short) == context.DeadlineExceeded)
	shortCancel()
	locked := make(chan error, 1)
	go func() { locked <- m2.Lock(ctx) }()
	out("m1 unlock -> %v", m1.Unlock(ctx))
	select {
	case err := <-locked:
		out("m2 lock after unlock -> %v", err)
	case <-time.After(timeout):
		out("m2 lock after unlock -> TIMEOUT")
	}
	out("m2 unlock -> %v", m2.Unlock(ctx))

	e1 := concurrency.NewElection(s1, "/elect/")
	e2 := concurrency.NewElection(s2, "/elect/")
	out("e1 campaign -> %v", e1.Campaign(ctx, "p1"))
	leader, err := e1.Leader(ctx)
	if err != nil {
		out("leader -> error %v", err)
	} else {
		out("leader -> %s (lease %s)", leader.Kvs[0].Value, lease(clientv3.LeaseID(leader.Kvs[0].Lease)))
	}
	octx, ocancel := context.WithCancel(context.Background())
	observed := e2.Observe(octx)
	first := <-observed
	out("observe -> %s", first.Kvs[0].Value)
	campaigned := make(chan error, 1)
	go func() { campaigned <- e2.Campaign(ctx, "p2") }()
	time.Sleep(500 * time.Millisecond) // let e2 queue behind e1; not an assertion
	out("e1 proclaim p1b -> %v", e1.Proclaim(ctx, "p1b"))
	out("observe -> %s", (<-observed).Kvs[0].Value)
	out("e1 resign -> %v", e1.Resign(ctx))
	select {
	case err := <-campaigned:
		out("e2 campaign after resign -> %v", err)
	case <-time.After(timeout):
		out("e2 campaign after resign -> TIMEOUT")
	}
	select {
	case resp := <-observed:
		out("observe -> %s", resp.Kvs[0].Value)
	case <-time.After(timeout):
		out("observe -> TIMEOUT")
	}
	ocancel()
	out("e2 resign -> %v", e2.Resign(ctx))
}

func clusterSteps(cli *clientv3.Client) {
	out("== cluster")
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	ml, err := cli.MemberList(ctx)
	if err != nil {
		out("member list -> error %v", err)
	} else {
		var urls []string
		for _, m := range ml.Members {
			for _, u := range m.ClientURLs {
				urls = append(urls, url(u))
			}
		}
		sort.Strings(urls)
		out("member list -> members=%d client urls=%v", len(ml.Members), urls)
	}
	if err := cli.Sync(ctx); err != nil {
		out("sync -> error %v", err)
	}
	var eps []string
	for _, e := range cli.Endpoints() {
		eps = append(eps, url(e))
	}
	out("endpoints after sync -> %v", eps)
	get(cli, "after sync", "kv0")
	st, err := cli.Status(ctx, endpoint)
	if err != nil {
		out("status -> error %v", err)
	} else {
		out("status -> version=%s leader is the member=%v raft term=%d", st.Version, st.Leader == st.Header.MemberId, st.RaftTerm)
	}

	auto, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: timeout, AutoSyncInterval: 500 * time.Millisecond})
	if err != nil {
		out("auto-sync client -> error %v", err)
		return
	}
	defer auto.Close()
	time.Sleep(2 * time.Second) // a few auto-sync rounds; not an assertion
	eps = nil
	for _, e := range auto.Endpoints() {
		eps = append(eps, url(e))
	}
	out("auto-sync endpoints after 2 s -> %v", eps)
	get(auto, "through auto-sync client", "kv0")
}

// outage is driven by GoClientv3OutageTest across an etcd outage behind the endpoint: it watches
// "outage/" under WithRequireLeader and prints "watching"; a goroutine reports everything the
// watch channel delivers (events, errors, closing). The main goroutine waits for a "read" line on
// stdin (by then the test has restarted etcd and written outage/k directly), retries a
// linearizable Get until one succeeds and prints the value, then waits up to 30 s for the watch to
// deliver that write or to be closed, and prints which.
func outage(cli *clientv3.Client) {
	ctx, cancel := context.WithCancel(clientv3.WithRequireLeader(context.Background()))
	defer cancel()
	ch := cli.Watch(ctx, "outage/", clientv3.WithPrefix(), clientv3.WithCreatedNotify())
	select {
	case resp := <-ch:
		out("watching created=%v", resp.Created)
	case <-time.After(timeout):
		out("watch not created: TIMEOUT")
	}
	sawAfter := make(chan string, 1)
	go func() {
		for resp := range ch {
			out("watch response: canceled=%v events=%d err=%v", resp.Canceled, len(resp.Events), resp.Err())
			for _, e := range resp.Events {
				out("watch event: %s", event(e))
				if string(e.Kv.Value) == "after" {
					sawAfter <- "watch delivered the write made after the outage"
				}
			}
		}
		out("watch closed")
		sawAfter <- "watch closed"
	}()
	in := bufio.NewReader(os.Stdin)
	if _, err := in.ReadString('\n'); err != nil {
		out("stdin -> %v", err)
		return
	}
	resumed := false
	for attempt := 0; attempt < 120 && !resumed; attempt++ {
		gctx, gcancel := context.WithTimeout(context.Background(), 2*time.Second)
		r, err := cli.Get(gctx, "outage/k")
		gcancel()
		if err != nil {
			time.Sleep(500 * time.Millisecond)
			continue
		}
		resumed = true
		if len(r.Kvs) == 0 {
			out("read resumed: no key")
		} else {
			out("read resumed: value=%s", r.Kvs[0].Value)
		}
	}
	if !resumed {
		out("read did not resume: TIMEOUT")
	}
	select {
	case what := <-sawAfter:
		out("watch outcome: %s", what)
	case <-time.After(30 * time.Second):
		out("watch outcome: neither delivered the write nor closed within 30 s")
	}
}

func main() {
	if os.Args[1] == "outage" {
		endpoint = os.Args[2]
		cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: timeout})
		if err != nil {
			out("connect -> error %v", err)
			os.Exit(2)
		}
		outage(cli)
		cli.Close()
		return
	}
	endpoint = os.Args[1]
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: timeout})
	if err != nil {
		out("connect -> error %v", err)
		os.Exit(2)
	}
	defer cli.Close()
	for _, steps := range []func(*clientv3.Client){kvSteps, bytesSteps, watchSteps, leaseSteps, concurrencySteps, compactionSteps, clusterSteps} {
		steps(cli)
	}
}
