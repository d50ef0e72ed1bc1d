package io.tandem.components.state;

/** One key of a bulk get: a value, nothing ({@code response == null}), or an error. */
public record BulkGetItem(String key, GetResponse response, String error) {}
