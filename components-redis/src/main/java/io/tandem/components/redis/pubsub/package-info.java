/** {@code pubsub.redis}: Dapr's Redis Streams broker on the Vert.x Redis client. */
package io.tandem.components.redis.pubsub;
