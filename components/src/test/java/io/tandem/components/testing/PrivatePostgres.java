package io.tandem.components.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL server of one test's own (initdb into a temporary directory, on a fixed free port)
 * that the test may stop and restart; the shared server of {@link TestServers} is never disturbed.
 * PostgreSQL refuses to run as root, so as root it runs as the {@code postgres} OS user. Role and
 * database are {@code tandem}/{@code tandem}, password {@code tandem}.
 */
public final class PrivatePostgres implements AutoCloseable {
  private final int port;
  private final Path dir;
  private final Path bin;

  private PrivatePostgres(int port, Path dir, Path bin) {
    this.port = port;
    this.dir = dir;
    this.bin = bin;
  }

  public static PrivatePostgres create() throws IOException, InterruptedException {
    Path bin = Path.of(TestServers.postgresBinaries());
    Path dir = Files.createTempDirectory("tandem-pg-");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    PrivatePostgres pg = new PrivatePostgres(PrivateRedis.freePort(), dir, bin);
    pg.init();
    pg.restart();
    pg.run(
        List.of(
            bin.resolve("psql").toString(),
            "-h",
            dir.toString(),
            "-p",
            Integer.toString(pg.port),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            "CREATE ROLE tandem LOGIN PASSWORD 'tandem'",
            "-c",
            "CREATE DATABASE tandem OWNER tandem"));
    return pg;
  }

  public int port() {
    return port;
  }

  /** A connection URL in the form Dapr's PostgreSQL components accept. */
  public String url() {
    return "postgres://tandem:tandem@127.0.0.1:" + port + "/tandem";
  }

  private void init() throws IOException, InterruptedException {
    Path pwfile = dir.resolve("pw");
    Files.writeString(pwfile, "postgres\n");
    Files.setPosixFilePermissions(pwfile, PosixFilePermissions.fromString("rw-r--r--"));
    run(
        List.of(
            bin.resolve("initdb").toString(),
            "-D",
            dir.resolve("data").toString(),
            "-U",
            "postgres",
            "--pwfile",
            pwfile.toString(),
            "-A",
            "trust",
            "--auth-host",
            "md5",
            "-E",
            "UTF8",
            "--no-sync"));
    Files.writeString(
        dir.resolve("data").resolve("postgresql.conf"),
        "\nlisten_addresses = '127.0.0.1'\nport = "
            + port
            + "\nunix_socket_directories = '"
            + dir
            + "'\nfsync = off\nfull_page_writes = off\n"
            + "max_connections = 100\n",
        java.nio.file.StandardOpenOption.APPEND);
  }

  /** Starts the server (again) and waits until it accepts connections. */
  public void restart() throws IOException, InterruptedException {
    run(
        List.of(
            bin.resolve("pg_ctl").toString(),
            "-D",
            dir.resolve("data").toString(),
            "-l",
            dir.resolve("postgres.log").toString(),
            "-w",
            "-t",
            "30",
            "start"));
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return;
      } catch (IOException e) {
        Thread.sleep(50);
      }
    }
    throw new IllegalStateException("postgres on port " + port + " did not start");
  }

  /** Stops the server at once (mode immediate: no clean shutdown, as a crash). */
  public void stop() throws IOException, InterruptedException {
    run(
        List.of(
            bin.resolve("pg_ctl").toString(),
            "-D",
            dir.resolve("data").toString(),
            "-m",
            "immediate",
            "-w",
            "stop"));
  }

  private void run(List<String> command) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    if ("root".equals(System.getProperty("user.name"))) {
      cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    cmd.addAll(command);
    Process p =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("commands.log").toFile()))
            .start();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException(
          "failed: "
              + String.join(" ", command)
              + "\n"
              + Files.readString(dir.resolve("commands.log")));
    }
  }

  @Override
  public void close() throws Exception {
    try {
      stop();
    } catch (RuntimeException | IOException e) {
      // already stopped
    }
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
