/**
 * {@code state.redis}: Dapr's Redis state store, in Dapr's storage layout, over the Vert.x Redis
 * client.
 */
package io.tandem.components.redis.state;
