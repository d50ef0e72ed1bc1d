package io.tandem.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes the resource YAML and secret files an end-to-end scenario needs. */
public final class ResourceFiles {
  private ResourceFiles() {}

  public static Path write(Path dir, String fileName, String content) {
    try {
      Files.createDirectories(dir);
      Path f = dir.resolve(fileName);
      Files.writeString(f, content);
      return f;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A component of {@code type} named {@code name}, with metadata given as name/value pairs. */
  public static String component(String name, String type, String... metadata) {
    StringBuilder sb =
        new StringBuilder()
            .append("apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: ")
            .append(name)
            .append("\nspec:\n  type: ")
            .append(type)
            .append("\n  version: v1\n");
    if (metadata.length > 0) {
      sb.append("  metadata:\n");
      for (int i = 0; i < metadata.length; i += 2) {
        sb.append("  - name: ")
            .append(metadata[i])
            .append("\n    value: \"")
            .append(metadata[i + 1].replace("\\", "\\\\").replace("\"", "\\\""))
            .append("\"\n");
      }
    }
    return sb.toString();
  }

  /** The standard set: in-memory and SQLite stores, a local-file and an env secret store. */
  public static Path standard(Path dir) {
    Path secrets =
        write(
            dir,
            "secrets.json",
            "{\"dbPassword\":\"s3cr3t\",\"nested\":{\"user\":\"alice\",\"pass\":\"wonder\"}}");
    write(
        dir,
        "components.yaml",
        component("statestore", "state.in-memory")
            + "---\n"
            + component(
                "sqlitestore",
                "state.sqlite",
                "connectionString",
                dir.resolve("state.db").toString())
            + "---\n"
            + component(
                "localsecretstore", "secretstores.local.file", "secretsFile", secrets.toString())
            + "---\n"
            + component("envsecretstore", "secretstores.local.env"));
    return dir;
  }
}
