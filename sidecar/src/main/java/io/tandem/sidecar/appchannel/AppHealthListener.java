package io.tandem.sidecar.appchannel;

/**
 * Told when the app's health changes, so that subscriptions and input bindings pause while the app
 * is unhealthy and resume when it recovers. Called from the health checker's thread; must not
 * block.
 */
public interface AppHealthListener {
  void appHealthy();

  void appUnhealthy();
}
