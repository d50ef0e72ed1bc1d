package io.tandem.e2e.bench;

import io.tandem.e2e.SidecarProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Collectors;

/** What the benchmarks share: process CPU and memory readings, the machine, the repository. */
final class BenchSupport {
  private BenchSupport() {}

  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).strip().split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  /** VmRSS in KiB, or -1 once the process is gone. */
  static long rss(SidecarProcess p) {
    try {
      return p.rssKiB();
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** utime + stime of a process, in seconds. */
  static double cpuSeconds(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / ClockTicks.PER_SECOND;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  static String mib(long kib) {
    return kib <= 0 ? "n/a" : String.format(Locale.ROOT, "%.0f MiB", kib / 1024.0);
  }

  /** The repository root: {@code tandem.root}, else the nearest directory holding e2e/pom.xml. */
  static Path findRoot() {
    String p = System.getProperty("tandem.root");
    if (p != null) {
      return Path.of(p).toAbsolutePath().normalize();
    }
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve("e2e").resolve("pom.xml"))) {
        return d;
      }
    }
    throw new IllegalStateException("cannot find the repository root; set -Dtandem.root");
  }

  static void deleteTree(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path f : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
        Files.deleteIfExists(f);
      }
    }
  }

  /** A setting: the system property of that name, else the environment variable. */
  static String setting(String name) {
    String v = System.getProperty(name);
    return v != null ? v : System.getenv(name);
  }

  /** A setting that is on unless absent, empty, {@code 0} or {@code false}. */
  static boolean flag(String name) {
    String v = setting(name);
    return v != null && !v.isBlank() && !v.equals("0") && !v.equalsIgnoreCase("false");
  }

  private static final class ClockTicks {
    static final double PER_SECOND = read();

    private static double read() {
      try {
        Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        return p.waitFor() == 0 ? Double.parseDouble(out) : 100;
      } catch (Exception e) {
        return 100;
      }
    }
  }
}
