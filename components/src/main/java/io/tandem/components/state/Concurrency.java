package io.tandem.components.state;

/** {@code options.concurrency}: how ETags are honoured on a write. */
public enum Concurrency {
  /** Not given: an ETag, when present, is checked. */
  UNSPECIFIED,
  /** Without an ETag, the write only succeeds when the key does not exist. */
  FIRST_WRITE,
  /** ETags are ignored: the write always wins. */
  LAST_WRITE
}
