package io.tandem.crds;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** The {@code auth} section of a Component: where its secret references are resolved. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Auth(String secretStore) {}
