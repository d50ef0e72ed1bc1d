package io.tandem.sidecar.invoke;

/** Where the sidecar of an app listens for sidecar-to-sidecar calls. */
public record AppAddress(String appId, String namespace, String host, int port) {
  /** {@code host:port}, with IPv6 hosts bracketed. */
  public String authority() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
