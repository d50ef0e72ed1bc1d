/**
 * What Tandem's PostgreSQL components share: the connection metadata and string ({@link
 * io.tandem.components.postgresql.PgSettings}), the pool with its time limit and health ({@link
 * io.tandem.components.postgresql.PgDatabase}), and table names checked before they enter SQL
 * ({@link io.tandem.components.postgresql.TableName}).
 */
package io.tandem.components.postgresql;
