/** {@code state.postgresql}: state in a PostgreSQL table laid out as Dapr's v1 store. */
package io.tandem.components.postgresql.state;
