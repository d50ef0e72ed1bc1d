/**
 * {@code bindings.http}: an output binding that calls one HTTP endpoint with the JDK's asynchronous
 * {@link java.net.http.HttpClient}. Metadata, operations, request headers and response metadata
 * follow Dapr's HTTP binding.
 */
package io.tandem.components.bindings.http;
