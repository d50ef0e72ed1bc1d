/**
 * {@code state.sqlite}: a state store in a SQLite database file, with ETags, TTLs and atomic
 * transactions.
 */
package io.tandem.components.state.sqlite;
