package io.tandem.components.postgresql.configuration;

import io.tandem.components.postgresql.TestSql;

/** What an operator does for {@code configuration.postgresql}, as Dapr's docs tell. */
public final class ConfigTables {
  private ConfigTables() {}

  /** The table with Dapr's layout, and a trigger notifying {@code channel} of each change. */
  public static void create(TestSql sql, String table, String channel) throws Exception {
    sql.exec(
        "CREATE TABLE IF NOT EXISTS "
            + table
            + " (KEY VARCHAR NOT NULL, VALUE VARCHAR NOT NULL, VERSION VARCHAR NOT NULL,"
            + " METADATA JSON)");
    // the trigger function of Dapr's documentation
    sql.exec(
        "CREATE OR REPLACE FUNCTION notify_"
            + channel
            + "() RETURNS TRIGGER AS $$\n"
            + "DECLARE\n"
            + "  data json;\n"
            + "  notification json;\n"
            + "BEGIN\n"
            + "  IF (TG_OP = 'DELETE') THEN\n"
            + "    data = row_to_json(OLD);\n"
            + "  ELSE\n"
            + "    data = row_to_json(NEW);\n"
            + "  END IF;\n"
            + "  notification = json_build_object('table', TG_TABLE_NAME, 'action', TG_OP,"
            + " 'data', data);\n"
            + "  PERFORM pg_notify('"
            + channel
            + "', notification::text);\n"
            + "  RETURN NULL;\n"
            + "END;\n"
            + "$$ LANGUAGE plpgsql");
    sql.exec(
        "CREATE OR REPLACE TRIGGER trigger_"
            + channel
            + " AFTER INSERT OR UPDATE OR DELETE ON "
            + table
            + " FOR EACH ROW EXECUTE PROCEDURE notify_"
            + channel
            + "()");
  }

  static void drop(TestSql sql, String table, String channel) throws Exception {
    sql.exec("DROP TABLE IF EXISTS " + table);
    sql.exec("DROP FUNCTION IF EXISTS notify_" + channel + "()");
  }

  /** Sets {@code key}: updates its row, or inserts one. */
  public static void write(TestSql sql, String table, String key, String value, String version)
      throws Exception {
    int n =
        sql.exec(
            "UPDATE " + table + " SET value = $2, version = $3 WHERE key = $1",
            key,
            value,
            version);
    if (n == 0) {
      sql.exec(
          "INSERT INTO " + table + " (key, value, version) VALUES ($1, $2, $3)",
          key,
          value,
          version);
    }
  }
}
