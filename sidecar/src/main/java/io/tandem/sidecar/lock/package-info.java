/** The distributed lock building block, shared by the HTTP and gRPC transports. */
package io.tandem.sidecar.lock;
