/** The distributed lock building block's SPI. */
package io.tandem.components.lock;
