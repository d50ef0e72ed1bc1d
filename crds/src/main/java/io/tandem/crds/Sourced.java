package io.tandem.crds;

import java.nio.file.Path;

/** A resource together with the file it was read from, so every message can name the file. */
public record Sourced<T>(T resource, Path source) {}
