/** {@code bindings.postgresql}: SQL statements with bound parameters, as an output binding. */
package io.tandem.components.postgresql.bindings;
