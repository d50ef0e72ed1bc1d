/** {@code configuration.postgresql}: configuration items in a table, changes by LISTEN/NOTIFY. */
package io.tandem.components.postgresql.configuration;
