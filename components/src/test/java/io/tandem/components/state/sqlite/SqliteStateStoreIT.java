package io.tandem.components.state.sqlite;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentException.Reason;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.state.DeleteRequest;
import io.tandem.components.state.GetRequest;
import io.tandem.components.state.GetResponse;
import io.tandem.components.state.SetRequest;
import io.tandem.components.state.StateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code state.sqlite} does beyond the conformance suite: files, restarts, cleanup, tables.
 */
class SqliteStateStoreIT {
  @TempDir Path dir;

  private ExecutorService workers;
  private final List<StateStore> opened = new ArrayList<>();

  @BeforeEach
  void startWorkers() {
    workers = Executors.newCachedThreadPool();
  }

  @AfterEach
  void closeStores() throws Exception {
    for (StateStore s : opened) {
      s.close();
    }
    workers.shutdownNow();
  }

  @Test
  void dataSurvivesClosingAndReopeningTheStore() throws Exception {
    Path file = dir.resolve("state.db");
    StateStore first = open(Map.of("connectionString", file.toString()));
    join(first.set(SetRequest.of("app||plain", bytes("kept"))));
    join(
        first.set(
            new SetRequest(
                "app||timed", bytes("kept too"), null, Map.of("ttlInSeconds", "3600"), null)));
    GetResponse plainBefore = join(first.get(GetRequest.of("app||plain")));
    GetResponse timedBefore = join(first.get(GetRequest.of("app||timed")));
    first.close();

    StateStore second = open(Map.of("connectionString", file.toString()));

    GetResponse plain = join(second.get(GetRequest.of("app||plain")));
    GetResponse timed = join(second.get(GetRequest.of("app||timed")));
    assertThat(new String(plain.data(), UTF_8)).isEqualTo("kept");
    assertThat(plain.etag()).isEqualTo(plainBefore.etag());
    assertThat(plain.metadata()).isEmpty();
    assertThat(new String(timed.data(), UTF_8)).isEqualTo("kept too");
    assertThat(timed.metadata()).isEqualTo(timedBefore.metadata()).containsKey("ttlExpireTime");
  }

  @Test
  void etagsKeepIncreasingAcrossARestartEvenAfterTheHighestWasDeleted() throws Exception {
    Path file = dir.resolve("state.db");
    StateStore first = open(Map.of("connectionString", file.toString()));
    join(first.set(SetRequest.of("a", bytes("1"))));
    join(first.set(SetRequest.of("b", bytes("2"))));
    long highest = Long.parseLong(join(first.get(GetRequest.of("b"))).etag());
    join(first.delete(DeleteRequest.of("b")));
    first.close();

    StateStore second = open(Map.of("connectionString", file.toString()));
    join(second.set(SetRequest.of("b", bytes("again"))));

    long recreated = Long.parseLong(join(second.get(GetRequest.of("b"))).etag());
    assertThat(recreated).isGreaterThan(highest);
  }

  @Test
  void twoStoresOnOneFileSeeEachOthersWritesAndShareTheEtagSequence() throws Exception {
    Path file = dir.resolve("shared.db");
    StateStore a = open(Map.of("connectionString", file.toString()));
    StateStore b = open(Map.of("connectionString", file.toString()));

    join(a.set(SetRequest.of("k", bytes("from a"))));
    String etagFromA = join(b.get(GetRequest.of("k"))).etag();
    join(b.set(new SetRequest("k", bytes("from b"), etagFromA, Map.of(), null)));

    GetResponse seenByA = join(a.get(GetRequest.of("k")));
    assertThat(new String(seenByA.data(), UTF_8)).isEqualTo("from b");
    assertThat(seenByA.etag()).isNotEqualTo(etagFromA);
    assertThat(
            failure(a.set(new SetRequest("k", bytes("stale"), etagFromA, Map.of(), null))).reason())
        .isEqualTo(Reason.ETAG_MISMATCH);
  }

  @Test
  void theCleanupDeletesExpiredRows() throws Exception {
    Path file = dir.resolve("state.db");
    StateStore store = open(Map.of("connectionString", file.toString(), "cleanupInterval", "1s"));
    join(store.set(SetRequest.of("kept", bytes("v"))));
    join(store.set(new SetRequest("timed", bytes("v"), null, Map.of("ttlInSeconds", "1"), null)));
    assertThat(keysIn(file, "state")).containsExactlyInAnyOrder("kept", "timed");

    await()
        .atMost(Duration.ofSeconds(6))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(() -> assertThat(keysIn(file, "state")).containsExactly("kept"));
  }

  @Test
  void aNegativeCleanupIntervalLeavesExpiredRowsInTheTableButInvisible() throws Exception {
    Path file = dir.resolve("state.db");
    StateStore store = open(Map.of("connectionString", file.toString(), "cleanupInterval", "-1"));
    join(store.set(new SetRequest("timed", bytes("v"), null, Map.of("ttlInSeconds", "1"), null)));

    await()
        .atMost(Duration.ofSeconds(4))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> join(store.get(GetRequest.of("timed"))) == null);
    await()
        .during(Duration.ofMillis(1500))
        .atMost(Duration.ofSeconds(3))
        .untilAsserted(() -> assertThat(keysIn(file, "state")).containsExactly("timed"));
  }

  @Test
  void tableNamesFromMetadataAreHonoured() throws Exception {
    Path file = dir.resolve("state.db");
    StateStore store =
        open(
            Map.of(
                "connectionString",
                file.toString(),
                "tableName",
                "orders_state",
                "metadataTableName",
                "orders_meta"));
    join(store.set(SetRequest.of("k", bytes("v"))));

    assertThat(keysIn(file, "orders_state")).containsExactly("k");
    assertThat(keysIn(file, "orders_meta")).containsExactly("etag-sequence-orders_state");
    assertThat(tablesIn(file)).contains("orders_state", "orders_meta").doesNotContain("state");
  }

  @Test
  void parentDirectoriesOfTheFileAreCreated() throws Exception {
    Path file = dir.resolve("a/b/c/state.db");

    StateStore store = open(Map.of("connectionString", file.toString()));
    join(store.set(SetRequest.of("k", bytes("v"))));

    assertThat(file).isRegularFile();
    assertThat(keysIn(file, "state")).containsExactly("k");
  }

  @Test
  void aFileUriWithDaprStyleParametersIsAccepted() throws Exception {
    Path file = dir.resolve("uri/state.db");
    StateStore store =
        open(
            Map.of(
                "connectionString",
                "file:" + file + "?_pragma=busy_timeout(5000)&_txlock=immediate&cache=private"));
    join(store.set(SetRequest.of("k", bytes("v"))));

    assertThat(keysIn(file, "state")).containsExactly("k");
  }

  @Test
  void anInMemoryDatabaseWorks() throws Exception {
    StateStore store = open(Map.of("connectionString", ":memory:"));
    join(store.set(SetRequest.of("k", bytes("v"))));

    assertThat(new String(join(store.get(GetRequest.of("k"))).data(), UTF_8)).isEqualTo("v");
  }

  @Test
  void writeAheadLoggingIsTheDefault() throws Exception {
    Path file = dir.resolve("state.db");
    open(Map.of("connectionString", file.toString()));

    assertThat(journalMode(file)).isEqualTo("wal");
  }

  @Test
  void disableWalKeepsTheRollbackJournal() throws Exception {
    Path file = dir.resolve("state.db");
    open(Map.of("connectionString", file.toString(), "disableWAL", "true"));

    assertThat(journalMode(file)).isEqualTo("delete");
  }

  @Test
  void aTableWithAnotherLayoutIsRefused() throws Exception {
    Path file = dir.resolve("dapr.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement()) {
      // The layout Dapr's own SQLite state store creates: text values and UUID ETags.
      s.execute(
          "CREATE TABLE state (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL,"
              + " is_binary BOOLEAN NOT NULL, etag TEXT NOT NULL,"
              + " expiration_time TIMESTAMP DEFAULT NULL, update_time TIMESTAMP DEFAULT NULL)");
    }
    SqliteStateStore store = new SqliteStateStore();

    assertThatThrownBy(
            () ->
                store.init(
                    new ComponentMetadata("legacy", Map.of("connectionString", file.toString())),
                    context(workers)))
        .isInstanceOfSatisfying(
            ComponentException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_ARGUMENT))
        .hasMessageContaining("'state'")
        .hasMessageContaining("tableName");
  }

  @Test
  void operationsRunOnTheBlockingExecutorNotTheCaller() throws Exception {
    Queue<Runnable> queued = new ArrayDeque<>();
    Executor manual = queued::add;
    SqliteStateStore store = new SqliteStateStore();
    store.init(
        new ComponentMetadata(
            "manual", Map.of("connectionString", dir.resolve("state.db").toString())),
        ComponentContext.of("app", "", manual, Map.of()));
    opened.add(store);

    CompletableFuture<Void> set = store.set(SetRequest.of("k", bytes("v"))).toCompletableFuture();
    assertThat(set).isNotDone();
    assertThat(queued).hasSize(1);
    queued.poll().run();
    assertThat(set).isCompleted();

    CompletableFuture<GetResponse> get = store.get(GetRequest.of("k")).toCompletableFuture();
    assertThat(get).isNotDone();
    queued.poll().run();
    assertThat(new String(get.join().data(), UTF_8)).isEqualTo("v");
  }

  @Test
  void aWriteBlockedByAnotherConnectionFailsAndTheStoreRecovers() throws Exception {
    Path file = dir.resolve("state.db");
    StateStore store = open(Map.of("connectionString", file.toString(), "busyTimeout", "200ms"));
    join(store.set(SetRequest.of("k", bytes("before"))));

    try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = other.createStatement()) {
      s.execute("BEGIN IMMEDIATE");
      ComponentException e = failure(store.set(SetRequest.of("k", bytes("blocked"))));
      assertThat(e.reason()).isEqualTo(Reason.FAILURE);
      s.execute("ROLLBACK");
    }

    join(store.set(SetRequest.of("k", bytes("after"))));
    assertThat(new String(join(store.get(GetRequest.of("k"))).data(), UTF_8)).isEqualTo("after");
  }

  @Test
  void waitingForAnotherConnectionsLockEndsAtTheOperationTimeout() throws Exception {
    Path file = dir.resolve("state.db");
    StateStore store =
        open(Map.of("connectionString", file.toString(), "busyTimeout", "60s", "timeout", "500ms"));
    join(store.set(SetRequest.of("k", bytes("before"))));

    try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = other.createStatement()) {
      s.execute("BEGIN IMMEDIATE");
      // Well before the 60 s busy timeout: the operation's own 500 ms timeout bounds the wait.
      ComponentException e = failure(store.set(SetRequest.of("k", bytes("blocked"))));
      assertThat(e.reason()).isEqualTo(Reason.FAILURE);
      s.execute("ROLLBACK");
    }
    assertThat(new String(join(store.get(GetRequest.of("k"))).data(), UTF_8)).isEqualTo("before");
  }

  @Test
  void operationsAfterCloseFail() throws Exception {
    StateStore store = open(Map.of("connectionString", dir.resolve("state.db").toString()));
    store.close();

    ComponentException e = failure(store.get(GetRequest.of("k")));

    assertThat(e.reason()).isEqualTo(Reason.FAILURE);
    assertThat(e.getMessage()).contains("closed");
  }

  @Test
  void initRefusesAMissingConnectionString() {
    SqliteStateStore store = new SqliteStateStore();

    assertThatThrownBy(
            () -> store.init(new ComponentMetadata("broken", Map.of()), context(workers)))
        .isInstanceOfSatisfying(
            ComponentException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_ARGUMENT))
        .hasMessageContaining("connectionString");
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private StateStore open(Map<String, String> properties) throws Exception {
    SqliteStateStore store = new SqliteStateStore();
    store.init(new ComponentMetadata("sqlite", new HashMap<>(properties)), context(workers));
    opened.add(store);
    return store;
  }

  private static ComponentContext context(Executor executor) {
    return ComponentContext.of("app", "", executor, Map.of());
  }

  private static List<String> keysIn(Path file, String table) throws SQLException {
    assertThat(Files.exists(file)).as("database file %s exists", file).isTrue();
    List<String> keys = new ArrayList<>();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT key FROM \"" + table + "\" ORDER BY key")) {
      while (rs.next()) {
        keys.add(rs.getString(1));
      }
    }
    return keys;
  }

  private static List<String> tablesIn(Path file) throws SQLException {
    List<String> tables = new ArrayList<>();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'")) {
      while (rs.next()) {
        tables.add(rs.getString(1));
      }
    }
    return tables;
  }

  private static String journalMode(Path file) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  private static <T> T join(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static ComponentException failure(CompletionStage<?> stage) throws Exception {
    try {
      stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(ComponentException.class);
      return (ComponentException) e.getCause();
    }
    throw new AssertionError("expected the operation to fail, but it succeeded");
  }
}
