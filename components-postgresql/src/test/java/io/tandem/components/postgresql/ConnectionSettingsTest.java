package io.tandem.components.postgresql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.components.ComponentException;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConnectionSettingsTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  private static PgConnectOptions options(String cs) {
    return ConnectionSettings.parse(cs, Map.of()).toConnectOptions(TIMEOUT);
  }

  @Test
  void readsTheUrlForm() {
    PgConnectOptions o =
        options(
            "postgres://alice:p%40ss%20word@db.example:6543/orders"
                + "?sslmode=disable&application_name=shop&search_path=s1");

    assertThat(o.getHost()).isEqualTo("db.example");
    assertThat(o.getPort()).isEqualTo(6543);
    assertThat(o.getUser()).isEqualTo("alice");
    assertThat(o.getPassword()).isEqualTo("p@ss word");
    assertThat(o.getDatabase()).isEqualTo("orders");
    assertThat(o.getSslMode()).isEqualTo(SslMode.DISABLE);
    assertThat(o.getProperties())
        .containsEntry("application_name", "shop")
        .containsEntry("search_path", "s1");
  }

  @Test
  void readsThePostgresqlSchemeAndAnIpv6Host() {
    PgConnectOptions o = options("postgresql://u@[::1]:5433/db");

    assertThat(o.getHost()).isEqualTo("::1");
    assertThat(o.getPort()).isEqualTo(5433);
    assertThat(o.getUser()).isEqualTo("u");
    assertThat(o.getPassword()).isEmpty();
  }

  @Test
  void aPasswordMayHoldAnAtSignUnescaped() {
    PgConnectOptions o = options("postgres://u:p@ss@host/db");

    assertThat(o.getUser()).isEqualTo("u");
    assertThat(o.getPassword()).isEqualTo("p@ss");
    assertThat(o.getHost()).isEqualTo("host");
  }

  @Test
  void readsTheKeywordFormAsDaprDocumentsIt() {
    PgConnectOptions o =
        options(
            "host=localhost user=postgres password=example port=5432 connect_timeout=10"
                + " database=my_db");

    assertThat(o.getHost()).isEqualTo("localhost");
    assertThat(o.getPort()).isEqualTo(5432);
    assertThat(o.getUser()).isEqualTo("postgres");
    assertThat(o.getPassword()).isEqualTo("example");
    assertThat(o.getDatabase()).isEqualTo("my_db");
    assertThat(o.getConnectTimeout()).isEqualTo(10_000);
  }

  @Test
  void keywordValuesMayBeQuotedWithEscapes() {
    PgConnectOptions o = options("user = bob password='it\\'s a secret' dbname='my db' host=h");

    assertThat(o.getUser()).isEqualTo("bob");
    assertThat(o.getPassword()).isEqualTo("it's a secret");
    assertThat(o.getDatabase()).isEqualTo("my db");
  }

  @Test
  void sslmodesMapToTheClient() {
    assertThat(options("host=h sslmode=require").getSslMode()).isEqualTo(SslMode.REQUIRE);
    assertThat(options("host=h sslmode=require").isTrustAll()).isTrue();
    assertThat(options("host=h").getSslMode()).isEqualTo(SslMode.PREFER);
    assertThat(options("host=h sslmode=allow").getSslMode()).isEqualTo(SslMode.ALLOW);
    assertThatThrownBy(() -> options("host=h sslmode=verify-full"))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("sslrootcert");
    assertThatThrownBy(() -> options("host=h sslmode=sometimes"))
        .hasMessageContaining("connectionString")
        .hasMessageContaining("sslmode");
  }

  @Test
  void pgEnvironmentVariablesFillTheGaps() {
    ConnectionSettings s =
        ConnectionSettings.parse(
            "dbname=d",
            Map.of(
                "PGHOST", "envhost",
                "PGPORT", "7777",
                "PGUSER", "envuser",
                "PGPASSWORD", "envpw"));
    PgConnectOptions o = s.toConnectOptions(TIMEOUT);

    assertThat(o.getHost()).isEqualTo("envhost");
    assertThat(o.getPort()).isEqualTo(7777);
    assertThat(o.getUser()).isEqualTo("envuser");
    assertThat(o.getPassword()).isEqualTo("envpw");
    assertThat(o.getDatabase()).isEqualTo("d");
  }

  @Test
  void aSocketDirectoryInPghostIsIgnored() {
    ConnectionSettings s =
        ConnectionSettings.parse("user=u", Map.of("PGHOST", "/var/run/postgresql"));

    assertThat(s.connectHost()).isEqualTo("localhost");
    assertThat(s.ignoredKeys()).contains("PGHOST");
  }

  @Test
  void severalHostsAndSocketsAreRefused() {
    assertThatThrownBy(() -> options("postgres://a:1,b:2/db"))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("several hosts");
    assertThatThrownBy(() -> options("host=a,b")).hasMessageContaining("several hosts");
    assertThatThrownBy(() -> options("host=/var/run/postgresql"))
        .hasMessageContaining("Unix-domain");
    assertThatThrownBy(() -> options("mysql://u:p@h/db")).hasMessageContaining("postgres://");
  }

  @Test
  void errorsNeverQuoteTheString() {
    assertThatThrownBy(() -> options("postgres://u:topsecret@host:topsecret2/db"))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("connectionString")
        .hasMessageContaining("port")
        .hasMessageNotContaining("topsecret");
    assertThatThrownBy(() -> options("host=h password=top secret"))
        .hasMessageContaining("connectionString")
        .hasMessageNotContaining("secret");
    assertThatThrownBy(() -> options("host=h password='topsecret"))
        .hasMessageNotContaining("topsecret");
  }

  @Test
  void toStringLeavesThePasswordOut() {
    ConnectionSettings s =
        ConnectionSettings.parse("postgres://alice:hunter2@db:5432/orders", Map.of());

    assertThat(s.toString())
        .doesNotContain("hunter2")
        .contains("alice")
        .contains("db:5432")
        .contains("orders");
  }

  @Test
  void libpqKeywordsWithoutMeaningHereAreIgnoredAndListed() {
    ConnectionSettings s =
        ConnectionSettings.parse(
            "host=h target_session_attrs=read-write pool_max_conns=7 pool_min_conns=2", Map.of());

    assertThat(s.ignoredKeys()).containsExactlyInAnyOrder("target_session_attrs", "pool_min_conns");
    assertThat(s.poolMaxConns()).isEqualTo(7);
    assertThat(s.toConnectOptions(TIMEOUT).getProperties())
        .doesNotContainKeys("target_session_attrs", "pool_max_conns", "pool_min_conns");
  }

  @Test
  void metadataOverridesNameTheirKey() {
    ConnectionSettings s = ConnectionSettings.parse("postgres://u:p@h/db", Map.of());
    s.override("password", "password", "other");
    s.override("port", "port", "6000");

    assertThat(s.toConnectOptions(TIMEOUT).getPassword()).isEqualTo("other");
    assertThat(s.port()).isEqualTo(6000);
    assertThatThrownBy(() -> s.override("port", "port", "x"))
        .hasMessageContaining("metadata 'port'");
  }
}
