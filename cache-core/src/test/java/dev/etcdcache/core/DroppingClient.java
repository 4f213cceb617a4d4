package dev.etcdcache.core;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A fault injector between etcd and the cache: a jetcd client whose watches lose the one response
 * carrying an event for an armed key, as a lost message would. Everything else is the real
 * client's; nothing in the cache knows it is there.
 */
final class DroppingClient {

  private final Client real;
  private final AtomicReference<ByteSequence> armed = new AtomicReference<>();

  DroppingClient(Client real) {
    this.real = real;
  }

  /** The next watch response with an event on {@code key} is dropped, once. */
  void dropNextEventOn(ByteSequence key) {
    armed.set(key);
  }

  /** Whether the armed drop happened. */
  boolean dropped() {
    return armed.get() == null;
  }

  Client client() {
    Watch watch = watch(real.getWatchClient());
    return (Client) Proxy.newProxyInstance(Client.class.getClassLoader(), new Class<?>[] {Client.class},
        (proxy, method, args) -> {
          if (method.getName().equals("getWatchClient")) {
            return watch;
          }
          if (method.getName().equals("close")) {
            return null; // the test owns the real client
          }
          try {
            return method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  private Watch watch(Watch realWatch) {
    return (Watch) Proxy.newProxyInstance(Watch.class.getClassLoader(), new Class<?>[] {Watch.class},
        (proxy, method, args) -> {
          if (method.getName().equals("watch") && args.length == 3 && args[2] instanceof Watch.Listener l) {
            return realWatch.watch((ByteSequence) args[0], (WatchOption) args[1], new Watch.Listener() {
              @Override
              public void onNext(WatchResponse response) {
                if (!drop(response)) {
                  l.onNext(response);
                }
              }

              @Override
              public void onError(Throwable throwable) {
                l.onError(throwable);
              }

              @Override
              public void onCompleted() {
                l.onCompleted();
              }
            });
          }
          if (method.isDefault()) {
            return java.lang.reflect.InvocationHandler.invokeDefault(proxy, method, args);
          }
          try {
            return method.invoke(realWatch, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  private boolean drop(WatchResponse response) {
    ByteSequence key = armed.get();
    if (key == null) {
      return false;
    }
    for (WatchEvent e : response.getEvents()) {
      if (e.getKeyValue().getKey().equals(key)) {
        return armed.compareAndSet(key, null);
      }
    }
    return false;
  }
}
