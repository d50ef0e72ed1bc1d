/** {@code pubsub.in-memory}: topics inside the sidecar process, for development and tests. */
package io.tandem.components.pubsub.memory;
