package io.tandem.crds;

import java.nio.file.Path;

/** A resource file that cannot be used, with the file and the problem named. */
public class ResourceLoadException extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient Path file;

  public ResourceLoadException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
    this.file = file;
  }

  public ResourceLoadException(Path file, String problem) {
    this(file, problem, null);
  }

  public Path file() {
    return file;
  }
}
