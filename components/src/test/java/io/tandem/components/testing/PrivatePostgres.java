package io.tandem.components.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL server of one test's own, on a free loopback port, in a temporary directory, from
 * the binaries of {@link TestServers#postgresBinaries()}, that the test may stop, kill and start
 * again: the shared server of {@link TestServers} is never disturbed. PostgreSQL refuses to run as
 * root, so as root it runs as the {@code postgres} OS user.
 *
 * <p>The test connects as the superuser {@code postgres} to the database {@code postgres}, over TCP
 * with a random password (SCRAM), which the test may then look for in messages that must not show
 * it. For speed it neither fsyncs nor writes full pages, which only an OS crash would make unsafe;
 * it commits synchronously, so neither {@link #stop} nor {@link #kill} loses what it committed. Its
 * log is {@code postgres.log} in the directory that {@link #close} removes.
 */
public final class PrivatePostgres implements AutoCloseable {
  private static final Duration START_LIMIT = Duration.ofSeconds(60);
  private static final Duration COMMAND_LIMIT = Duration.ofSeconds(120);

  private final Path bin;
  private final Path dir;
  private final int port;
  private final String password;
  private final List<String> runAs;
  private Process server;

  private PrivatePostgres(Path bin, Path dir, int port, String password, List<String> runAs) {
    this.bin = bin;
    this.dir = dir;
    this.port = port;
    this.password = password;
    this.runAs = runAs;
  }

  /** initdb and start; fails the test (never skips) when that is impossible. */
  public static PrivatePostgres create() throws IOException, InterruptedException {
    Path bin = Path.of(TestServers.postgresBinaries());
    // under /tmp, so that the Unix socket's path stays short enough
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "tandem-pg-");
    List<String> runAs = new ArrayList<>();
    if ("root".equals(System.getProperty("user.name"))) {
      UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
      PosixFileAttributeView view = Files.getFileAttributeView(dir, PosixFileAttributeView.class);
      view.setOwner(users.lookupPrincipalByName("postgres"));
      view.setGroup(users.lookupPrincipalByGroupName("postgres"));
      runAs.addAll(
          List.of("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"));
    }
    PrivatePostgres pg =
        new PrivatePostgres(bin, dir, PrivateRedis.freePort(), "pw-" + UUID.randomUUID(), runAs);
    try {
      pg.init();
      pg.restart();
    } catch (Throwable e) {
      try {
        pg.close();
      } catch (Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    return pg;
  }

  /**
   * {@code postgres://postgres:<password>@127.0.0.1:<port>/postgres}, as Dapr's components take.
   */
  public String url() {
    return url("postgres", password);
  }

  /** The URL of {@link #url()} for another role, e.g. one the test created. */
  public String url(String user, String password) {
    return "postgres://" + user + ":" + password + "@127.0.0.1:" + port + "/postgres";
  }

  /** The superuser's password, random. */
  public String password() {
    return password;
  }

  public int port() {
    return port;
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

  private void init() throws IOException, InterruptedException {
    Path pwfile = dir.resolve("pwfile");
    Files.writeString(pwfile, password + "\n");
    if (!runAs.isEmpty()) {
      Files.setOwner(
          pwfile,
          dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres"));
    }
    run(
        "initdb",
        "-U",
        "postgres",
        "--pwfile=" + pwfile,
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        "-E",
        "UTF8",
        "--locale=C",
        "--no-sync");
    Files.delete(pwfile);
    Files.writeString(
        dir.resolve("data").resolve("postgresql.conf"),
        String.join(
            "\n",
            "",
            "listen_addresses = '127.0.0.1'",
            "port = " + port,
            "unix_socket_directories = '" + dir + "'",
            // fast, yet a stopped or killed server keeps what it committed: synchronous_commit
            // stays on (with it off, the last commits could be lost)
            "fsync = off",
            "full_page_writes = off",
            "max_connections = 100",
            ""),
        StandardOpenOption.APPEND);
  }

  /**
   * Starts the server (again, after {@link #stop} or {@link #kill}: on the same port and data, it
   * recovers as after a crash) and waits until it accepts connections.
   */
  public synchronized void restart() throws IOException, InterruptedException {
    if (server != null && server.isAlive()) {
      return;
    }
    List<String> cmd = new ArrayList<>(runAs);
    cmd.addAll(List.of(bin.resolve("postgres").toString(), "-D", dir.resolve("data").toString()));
    server =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("postgres.log").toFile()))
            .start();
    long deadline = System.nanoTime() + START_LIMIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!server.isAlive()) {
        throw new IllegalStateException("postgres exited at start:\n" + log());
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
      ready.destroyForcibly();
      Thread.sleep(100);
    }
    throw new IllegalStateException(
        "postgres on port " + port + " did not start within " + START_LIMIT + ":\n" + log());
  }

  /**
   * Stops the server at once ({@code pg_ctl -m immediate}: no clean shutdown, the next start
   * recovers as after a crash); returns once it is gone. Does nothing when it is not running.
   */
  public synchronized void stop() throws IOException, InterruptedException {
    if (server == null || !server.isAlive()) {
      server = null;
      return;
    }
    run("pg_ctl", "-m", "immediate", "-w", "stop");
    server.waitFor(30, TimeUnit.SECONDS);
    server = null;
  }

  /**
   * Kills the server with SIGKILL, the postmaster and every process of it, as a crash would;
   * returns once all are gone. Does nothing when it is not running.
   */
  public synchronized void kill() throws InterruptedException {
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

  /**
   * Runs one of the PostgreSQL programs on the data directory, logging to {@code <program>.log}.
   */
  private void run(String program, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(runAs);
    command.addAll(List.of(bin.resolve(program).toString(), "-D", dir.resolve("data").toString()));
    command.addAll(List.of(args));
    Path logFile = dir.resolve(program + ".log");
    Process p =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
            .start();
    if (!p.waitFor(COMMAND_LIMIT.toSeconds(), TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException(
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

  /** Stops the server (killing it when stopping fails) and removes its files. */
  @Override
  public void close() throws Exception {
    try {
      try {
        stop();
      } catch (IOException | RuntimeException e) {
        kill();
      }
    } finally {
      deleteFiles();
    }
  }

  private void deleteFiles() throws IOException {
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
