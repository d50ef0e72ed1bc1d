package io.tandem.sidecar;

import io.tandem.components.ComponentContext;
import io.tandem.crds.Component;
import io.tandem.crds.ResourceLoadException;
import io.tandem.crds.ResourceLoader;
import io.tandem.crds.Sourced;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Builds Component resources from YAML text for tests. */
public final class TestResources {
  private TestResources() {}

  /** Parses YAML the way the sidecar does, through a temporary file. */
  public static List<Sourced<Component>> components(String yaml) {
    try {
      Path f = Files.createTempFile("components", ".yaml");
      try {
        Files.writeString(f, yaml);
        return new ResourceLoader().loadFile(f).components();
      } finally {
        Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (ResourceLoadException e) {
      throw new IllegalArgumentException(e);
    }
  }

  public static ComponentContext context(String appId, Map<String, String> env) {
    return ComponentContext.of(appId, "", Runnable::run, env);
  }
}
