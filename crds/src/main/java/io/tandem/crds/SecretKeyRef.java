package io.tandem.crds;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** A reference to one key of a secret held by the component's {@code auth.secretStore}. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SecretKeyRef(String name, String key) {}
