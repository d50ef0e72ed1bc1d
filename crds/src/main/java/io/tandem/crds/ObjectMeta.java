package io.tandem.crds;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.Map;

/** The subset of Kubernetes object metadata a dapr.io resource carries. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ObjectMeta(
    String name, String namespace, Map<String, String> labels, Map<String, String> annotations) {}
