package io.tandem.crds;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads dapr.io resources from YAML files, several documents per file allowed, the way daprd does
 * in standalone mode. Documents of other API groups are skipped; a file that cannot be parsed, or a
 * dapr.io document that lacks what its kind requires, fails with a {@link ResourceLoadException}
 * naming the file and the problem.
 */
public final class ResourceLoader {
  public static final String API_GROUP = "dapr.io/";

  private final ObjectMapper yaml;
  private final ObjectReader treeReader;

  public ResourceLoader() {
    this.yaml =
        new ObjectMapper(new YAMLFactory())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    this.treeReader = yaml.readerFor(JsonNode.class);
  }

  /** Loads every {@code .yaml} and {@code .yml} file directly inside each path, in name order. */
  public Resources loadPaths(List<Path> paths) throws ResourceLoadException {
    List<Sourced<Component>> components = new ArrayList<>();
    List<Sourced<Configuration>> configurations = new ArrayList<>();
    List<Sourced<JsonNode>> others = new ArrayList<>();
    for (Path path : paths) {
      for (Path file : yamlFiles(path)) {
        Resources one = loadFile(file);
        components.addAll(one.components());
        configurations.addAll(one.configurations());
        others.addAll(one.others());
      }
    }
    return new Resources(List.copyOf(components), List.copyOf(configurations), List.copyOf(others));
  }

  /** Loads one file; every dapr.io document in it must be valid. */
  public Resources loadFile(Path file) throws ResourceLoadException {
    List<JsonNode> docs = new ArrayList<>();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        MappingIterator<JsonNode> it = treeReader.readValues(reader)) {
      while (it.hasNextValue()) {
        JsonNode doc = it.nextValue();
        if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
          docs.add(doc);
        }
      }
    } catch (JsonProcessingException e) {
      throw new ResourceLoadException(file, "malformed YAML: " + e.getOriginalMessage(), e);
    } catch (IOException | RuntimeException e) {
      throw new ResourceLoadException(file, "cannot read: " + e.getMessage(), e);
    }
    List<Sourced<Component>> components = new ArrayList<>();
    List<Sourced<Configuration>> configurations = new ArrayList<>();
    List<Sourced<JsonNode>> others = new ArrayList<>();
    int index = 0;
    for (JsonNode doc : docs) {
      index++;
      if (!doc.isObject()) {
        throw new ResourceLoadException(file, "document " + index + " is not a mapping");
      }
      String apiVersion = doc.path("apiVersion").asText("");
      if (!apiVersion.startsWith(API_GROUP)) {
        continue;
      }
      String kind = doc.path("kind").asText("");
      switch (kind) {
        case Component.KIND -> components.add(new Sourced<>(toComponent(file, index, doc), file));
        case Configuration.KIND ->
            configurations.add(new Sourced<>(toConfiguration(file, index, doc), file));
        case "" -> throw new ResourceLoadException(file, "document " + index + " has no kind");
        default -> others.add(new Sourced<>(doc, file));
      }
    }
    return new Resources(components, configurations, others);
  }

  /** Reads a single Configuration file, as given to {@code --config}. */
  public Configuration loadConfiguration(Path file) throws ResourceLoadException {
    Resources r = loadFile(file);
    if (r.configurations().size() != 1) {
      throw new ResourceLoadException(
          file, "expected exactly one dapr.io Configuration, found " + r.configurations().size());
    }
    return r.configurations().get(0).resource();
  }

  private Component toComponent(Path file, int index, JsonNode doc) throws ResourceLoadException {
    Component c;
    try {
      c = yaml.treeToValue(doc, Component.class);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new ResourceLoadException(
          file, "document " + index + " is not a valid Component: " + e.getMessage(), e);
    }
    if (c.name() == null || c.name().isBlank()) {
      throw new ResourceLoadException(
          file, "Component in document " + index + " has no metadata.name");
    }
    if (c.spec() == null || c.spec().type() == null || c.spec().type().isBlank()) {
      throw new ResourceLoadException(file, "Component " + c.name() + " has no spec.type");
    }
    for (MetadataItem item : c.spec().metadataOrEmpty()) {
      if (item.name() == null || item.name().isBlank()) {
        throw new ResourceLoadException(
            file, "Component " + c.name() + " has a metadata item without a name");
      }
      if (item.secretKeyRef() != null
          && (item.secretKeyRef().name() == null || item.secretKeyRef().name().isBlank())) {
        throw new ResourceLoadException(
            file,
            "Component " + c.name() + " metadata " + item.name() + ": secretKeyRef has no name");
      }
    }
    return c;
  }

  private Configuration toConfiguration(Path file, int index, JsonNode doc)
      throws ResourceLoadException {
    try {
      Configuration c = yaml.treeToValue(doc, Configuration.class);
      if (c.name() == null || c.name().isBlank()) {
        throw new ResourceLoadException(
            file, "Configuration in document " + index + " has no metadata.name");
      }
      return c;
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new ResourceLoadException(
          file, "document " + index + " is not a valid Configuration: " + e.getMessage(), e);
    }
  }

  private static List<Path> yamlFiles(Path path) throws ResourceLoadException {
    if (Files.isRegularFile(path)) {
      return List.of(path);
    }
    if (!Files.isDirectory(path)) {
      throw new ResourceLoadException(path, "resources path does not exist");
    }
    try (Stream<Path> files = Files.list(path)) {
      return files
          .filter(Files::isRegularFile)
          .filter(
              p -> {
                String n = p.getFileName().toString();
                return n.endsWith(".yaml") || n.endsWith(".yml");
              })
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new ResourceLoadException(path, "cannot list: " + e.getMessage(), e);
    }
  }
}
