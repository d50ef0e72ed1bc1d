/** The configuration building block's SPI: read and watch a key/value store. */
package io.tandem.components.configuration;
