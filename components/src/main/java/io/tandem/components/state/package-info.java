/**
 * The state store SPI. Keys arrive already prefixed by the building block ({@code appid||key});
 * values are opaque bytes; ETags are opaque strings the store produces.
 */
package io.tandem.components.state;
