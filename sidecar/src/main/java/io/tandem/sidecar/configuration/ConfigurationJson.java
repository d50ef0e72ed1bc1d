package io.tandem.sidecar.configuration;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dapr.v1.CommonProtos;
import java.util.Map;
import java.util.TreeMap;

/**
 * The configuration API's JSON, as Dapr encodes its items: {@code value}, {@code version} and
 * {@code metadata}, each left out when empty.
 */
public final class ConfigurationJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ConfigurationJson() {}

  /** {@code {"<key>":{"value":..,"version":..,"metadata":{..}}, ...}}: a GET's answer. */
  public static String items(Map<String, CommonProtos.ConfigurationItem> items) {
    return itemsNode(items).toString();
  }

  /** {@code {"id":"<subscription>","items":{...}}}: an update pushed to the app. */
  public static String update(String id, Map<String, CommonProtos.ConfigurationItem> items) {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", id);
    o.set("items", itemsNode(items));
    return o.toString();
  }

  /** {@code {"id":"<subscription>"}}: an HTTP subscribe's answer. */
  public static String subscribed(String id) {
    return JSON.createObjectNode().put("id", id).toString();
  }

  private static ObjectNode itemsNode(Map<String, CommonProtos.ConfigurationItem> items) {
    ObjectNode o = JSON.createObjectNode();
    new TreeMap<>(items)
        .forEach(
            (key, item) -> {
              ObjectNode i = o.putObject(key);
              if (!item.getValue().isEmpty()) {
                i.put("value", item.getValue());
              }
              if (!item.getVersion().isEmpty()) {
                i.put("version", item.getVersion());
              }
              if (item.getMetadataCount() > 0) {
                ObjectNode md = i.putObject("metadata");
                new TreeMap<>(item.getMetadataMap()).forEach(md::put);
              }
            });
    return o;
  }
}
