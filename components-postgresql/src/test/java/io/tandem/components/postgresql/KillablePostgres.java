package io.tandem.components.postgresql;

import io.tandem.components.testing.TestServers;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL server of a test's own, on a free loopback port, in a temporary directory, from the
 * binaries of {@link TestServers#postgresBinaries()}, that a test kills with SIGKILL (every process
 * of it, as a crash would) and starts again. When the tests run as root it runs as the {@code
 * postgres} user, since PostgreSQL refuses root. The test connects as the superuser, with a random
 * password (SCRAM over TCP) that the test can then look for in messages.
 *
 * <p>Unlike {@code io.tandem.components.testing.PrivatePostgres}, which stops the server with
 * {@code pg_ctl -m immediate}, this one kills it, and commits synchronously so that a killed server
 * keeps what it committed.
 */
public final class KillablePostgres implements AutoCloseable {
  private static final Duration START_LIMIT = Duration.ofSeconds(60);

  private final Path bin;
  private final Path dir;
  private final int port;
  private final String password;
  private final List<String> runAs;
  private Process server;

  private KillablePostgres(Path bin, Path dir, int port, String password, List<String> runAs) {
    this.bin = bin;
    this.dir = dir;
    this.port = port;
    this.password = password;
    this.runAs = runAs;
  }

  /** initdb and start; fails the test (never skips) when that is impossible. */
  public static KillablePostgres start() throws Exception {
    Path bin = Path.of(TestServers.postgresBinaries());
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "tandem-pg-");
    List<String> runAs = new ArrayList<>();
    if ("root".equals(System.getProperty("user.name"))) {
      UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
      GroupPrincipal group = users.lookupPrincipalByGroupName("postgres");
      PosixFileAttributeView view = Files.getFileAttributeView(dir, PosixFileAttributeView.class);
      view.setOwner(users.lookupPrincipalByName("postgres"));
      view.setGroup(group);
      runAs.addAll(
          List.of("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"));
    }
    String password = "pw-" + UUID.randomUUID();
    Path pwfile = dir.resolve("pwfile");
    Files.writeString(pwfile, password + "\n");
    if (!runAs.isEmpty()) {
      Files.setOwner(
          pwfile,
          dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres"));
    }
    int port = freePort();
    KillablePostgres pg = new KillablePostgres(bin, dir, port, password, runAs);
    pg.run(
        List.of(
            bin.resolve("initdb").toString(),
            "-D",
            dir.resolve("data").toString(),
            "-U",
            "postgres",
            "--pwfile=" + pwfile,
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync"),
        dir.resolve("initdb.log"));
    Files.writeString(
        dir.resolve("data/postgresql.conf"),
        String.join(
            "\n",
            "",
            "listen_addresses = '127.0.0.1'",
            "port = " + port,
            "unix_socket_directories = '" + dir + "'",
            // fast, yet a killed server keeps what it committed (unlike synchronous_commit = off)
            "fsync = off",
            "full_page_writes = off",
            ""),
        StandardOpenOption.APPEND);
    pg.startServer();
    return pg;
  }

  /** {@code postgres://postgres:<password>@127.0.0.1:<port>/postgres} */
  public String url() {
    return "postgres://postgres:" + password + "@127.0.0.1:" + port + "/postgres?sslmode=disable";
  }

  public String password() {
    return password;
  }

  public int port() {
    return port;
  }

  /** kill -9 the server and every process of it, as a crash would; returns once all are gone. */
  public void kill() throws InterruptedException {
    Process p = server;
    if (p == null) {
      return;
    }
    List<ProcessHandle> all = new ArrayList<>(p.descendants().toList());
    all.add(p.toHandle());
    all.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle h : all) {
      h.onExit().orTimeout(30, TimeUnit.SECONDS).exceptionally(e -> null).join();
    }
    p.waitFor(30, TimeUnit.SECONDS);
    server = null;
  }

  /** Starts the server again, on the same port and data (it recovers from the crash). */
  public void restart() throws Exception {
    startServer();
  }

  private void startServer() throws Exception {
    List<String> cmd = new ArrayList<>(runAs);
    cmd.addAll(List.of(bin.resolve("postgres").toString(), "-D", dir.resolve("data").toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("postgres.log").toFile()));
    server = pb.start();
    long deadline = System.nanoTime() + START_LIMIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!server.isAlive()) {
        throw new AssertionError("postgres exited at start:\n" + log());
      }
      Process ready =
          new ProcessBuilder(
                  bin.resolve("pg_isready").toString(),
                  "-q",
                  "-h",
                  "127.0.0.1",
                  "-p",
                  Integer.toString(port),
                  "-t",
                  "1")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (ready.waitFor(5, TimeUnit.SECONDS) && ready.exitValue() == 0) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("postgres did not become ready within " + START_LIMIT + ":\n" + log());
  }

  private void run(List<String> command, Path logFile) throws Exception {
    List<String> cmd = new ArrayList<>(runAs);
    cmd.addAll(command);
    Process p =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(logFile.toFile())
            .start();
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError(
          String.join(" ", command)
              + " failed:\n"
              + Files.readString(logFile, StandardCharsets.UTF_8));
    }
  }

  private String log() {
    try {
      return Files.readString(dir.resolve("postgres.log"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** Whether something accepts connections on the port. */
  public boolean listening() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() throws Exception {
    try {
      kill();
    } finally {
      try (Stream<Path> paths = Files.walk(dir)) {
        paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }
}
