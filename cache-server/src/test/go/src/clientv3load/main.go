// Command clientv3load checks, with etcd's Go client under concurrency, what a cache in front of
// etcd must never get wrong, and prints a deterministic summary (counts of violations, which must
// all be zero, and how much was checked).
//
// Usage: clientv3load <read/watch URL> <write URL>
//
// Writers put keys directly to etcd (<write URL>) from several goroutines; after each put at
// revision R, the writer reads the key back through <read/watch URL> with a linearizable Get: it
// must see its own value at mod revision R (only that writer writes the key) and a header revision
// of at least R. Meanwhile watchers on the read URL (under WithRequireLeader) - some started
// before the writes, one started late from the first revision - must each receive every written
// revision exactly once, in increasing order, with the written values.
//
// Built and run by dev.etcdcache.server.clients.GoClientv3LoadTest, against the server (writes to
// its etcd) and against the reference etcd (both URLs the same).
package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"sync"
	"time"

	"go.etcd.io/etcd/clientv3"
)

const (
	writers         = 8
	putsPerWriter   = 150
	keysPerWriter   = 5
	earlyWatchers   = 4
	timeout         = 15 * time.Second
	deliveryTimeout = 60 * time.Second
)

type write struct {
	key, value string
	revision   int64
}

type watcherResult struct {
	events, duplicates, outOfOrder, wrongValue int
	missing                                    int
	err                                        string
}

func main() {
	readURL, writeURL := os.Args[1], os.Args[2]
	reader, err := clientv3.New(clientv3.Config{Endpoints: []string{readURL}, DialTimeout: timeout})
	if err != nil {
		fmt.Println("connect reader:", err)
		os.Exit(2)
	}
	defer reader.Close()
	writerClient, err := clientv3.New(clientv3.Config{Endpoints: []string{writeURL}, DialTimeout: timeout})
	if err != nil {
		fmt.Println("connect writer:", err)
		os.Exit(2)
	}
	defer writerClient.Close()

	ctx := context.Background()
	first, err := writerClient.Put(ctx, "load/start", "x")
	if err != nil {
		fmt.Println("first put:", err)
		os.Exit(2)
	}
	startRev := first.Header.Revision + 1

	type watcher struct {
		name string
		ch   clientv3.WatchChan
	}
	wctx, wcancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	defer wcancel()
	var watchers []watcher
	for i := 0; i < earlyWatchers; i++ {
		opts := []clientv3.OpOption{clientv3.WithPrefix(), clientv3.WithCreatedNotify()}
		if i%2 == 1 {
			opts = append(opts, clientv3.WithRev(startRev))
		}
		ch := reader.Watch(wctx, "load/w", opts...)
		<-ch // created
		watchers = append(watchers, watcher{fmt.Sprintf("early-%d", i), ch})
	}

	var mu sync.Mutex
	var writes []write
	staleReads, readErrors, writeErrors := 0, 0, 0
	var staleExamples []string
	var wg sync.WaitGroup
	lateStarted := make(chan clientv3.WatchChan, 1)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for j := 0; j < putsPerWriter; j++ {
				key := fmt.Sprintf("load/w%d/k%d", w, j%keysPerWriter)
				value := fmt.Sprintf("w%d-%d", w, j)
				cctx, cancel := context.WithTimeout(ctx, timeout)
				p, err := writerClient.Put(cctx, key, value)
				cancel()
				if err != nil {
					mu.Lock()
					writeErrors++
					mu.Unlock()
					continue
				}
				rev := p.Header.Revision
				mu.Lock()
				writes = append(writes, write{key, value, rev})
				mu.Unlock()
				cctx, cancel = context.WithTimeout(ctx, timeout)
				g, err := reader.Get(cctx, key)
				cancel()
				mu.Lock()
				switch {
				case err != nil:
					readErrors++
				case len(g.Kvs) != 1 || string(g.Kvs[0].Value) != value || g.Kvs[0].ModRevision != rev || g.Header.Revision < rev:
					staleReads++
					if len(staleExamples) < 5 {
						got := "no key"
						if len(g.Kvs) == 1 {
							got = fmt.Sprintf("%s at mod %d", g.Kvs[0].Value, g.Kvs[0].ModRevision)
						}
						staleExamples = append(staleExamples, fmt.Sprintf("put %s=%s at %d, then read %s (header %d)",
							key, value, rev, got, g.Header.Revision))
					}
				}
				mu.Unlock()
				if w == 0 && j == putsPerWriter/2 {
					lateStarted <- reader.Watch(wctx, "load/w", clientv3.WithPrefix(), clientv3.WithRev(startRev))
				}
			}
		}(w)
	}
	wg.Wait()
	watchers = append(watchers, watcher{"late", <-lateStarted})

	byRevision := map[int64]write{}
	var last int64
	for _, w := range writes {
		byRevision[w.revision] = w
		if w.revision > last {
			last = w.revision
		}
	}

	results := make([]watcherResult, len(watchers))
	var rg sync.WaitGroup
	for i, w := range watchers {
		rg.Add(1)
		go func(i int, ch clientv3.WatchChan) {
			defer rg.Done()
			r := &results[i]
			seen := map[int64]bool{}
			var prev int64
			deadline := time.After(deliveryTimeout)
			for prev < last {
				select {
				case resp, ok := <-ch:
					if !ok {
						r.err = "channel closed"
						prev = last
						break
					}
					if resp.Err() != nil {
						r.err = resp.Err().Error()
					}
					for _, e := range resp.Events {
						rev := e.Kv.ModRevision
						r.events++
						if seen[rev] {
							r.duplicates++
						}
						if rev <= prev {
							r.outOfOrder++
						}
						seen[rev] = true
						if want, ok := byRevision[rev]; !ok || want.key != string(e.Kv.Key) || want.value != string(e.Kv.Value) {
							r.wrongValue++
						}
						if rev > prev {
							prev = rev
						}
					}
				case <-deadline:
					r.err = "TIMEOUT"
					prev = last
				}
			}
			for rev := range byRevision {
				if !seen[rev] {
					r.missing++
				}
			}
		}(i, w.ch)
	}
	rg.Wait()

	fmt.Printf("writes=%d write errors=%d\n", len(writes), writeErrors)
	fmt.Printf("linearizable reads through the read URL: stale=%d errors=%d\n", staleReads, readErrors)
	sort.Strings(staleExamples)
	for _, e := range staleExamples {
		fmt.Println("  stale:", e)
	}
	for i, w := range watchers {
		r := results[i]
		fmt.Printf("watcher %s: events=%d missing=%d duplicates=%d out-of-order=%d wrong-value=%d err=%q\n",
			w.name, r.events, r.missing, r.duplicates, r.outOfOrder, r.wrongValue, r.err)
	}
}
