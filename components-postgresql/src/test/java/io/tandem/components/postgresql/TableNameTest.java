package io.tandem.components.postgresql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.components.ComponentException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TableNameTest {
  @Test
  void aPlainNameIsLowerCasedAndQuoted() {
    TableName t = TableName.parse("c", "tableName", "MyState");

    assertThat(t.schema()).isNull();
    assertThat(t.name()).isEqualTo("mystate");
    assertThat(t.sql()).isEqualTo("\"mystate\"");
  }

  @Test
  void aSchemaQualifiedName() {
    TableName t = TableName.parse("c", "tableName", "app.state_v1");

    assertThat(t.sql()).isEqualTo("\"app\".\"state_v1\"");
    assertThat(t.toString()).isEqualTo("app.state_v1");
  }

  @Test
  void aReservedWordIsFineQuoted() {
    assertThat(TableName.parse("c", "tableName", "order").sql()).isEqualTo("\"order\"");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "state; DROP TABLE x; --",
        "state\"",
        "a.b.c",
        "1state",
        "",
        " ",
        "st ate",
        "state--",
        "sch.",
        ".tbl",
        "\"quoted\"",
        "x'y"
      })
  void anythingButPlainIdentifiersIsRefusedNamingTheKey(String name) {
    assertThatThrownBy(() -> TableName.parse("mystore", "metadataTableName", name))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("component mystore")
        .hasMessageContaining("'metadataTableName'");
  }

  @Test
  void partsAreAtMost63Characters() {
    String ok = "t".repeat(63);
    assertThat(TableName.parse("c", "tableName", ok).name()).isEqualTo(ok);
    assertThatThrownBy(() -> TableName.parse("c", "tableName", ok + "t"))
        .isInstanceOf(ComponentException.class);
  }
}
