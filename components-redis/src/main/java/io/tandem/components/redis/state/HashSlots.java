package io.tandem.components.redis.state;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * Redis Cluster's hash slots: CRC16 (XMODEM) of the key, or of its {@code {hash tag}}, modulo
 * 16384. A script may only touch keys of one slot, so in a cluster the ETag sequence is kept per
 * slot, under a key whose hash tag lands in the same slot as the state key.
 */
final class HashSlots {
  static final int SLOTS = 16384;

  private static final int[] CRC_TABLE = new int[256];

  static {
    for (int i = 0; i < 256; i++) {
      int crc = i << 8;
      for (int b = 0; b < 8; b++) {
        crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
      }
      CRC_TABLE[i] = crc & 0xFFFF;
    }
  }

  /** For each slot, a short tag whose slot it is; filled on first use. */
  private static volatile String[] tags;

  private HashSlots() {}

  static int slot(String key) {
    byte[] k = key.getBytes(UTF_8);
    int start = 0;
    int end = k.length;
    for (int i = 0; i < k.length; i++) {
      if (k[i] == '{') {
        for (int j = i + 1; j < k.length; j++) {
          if (k[j] == '}') {
            if (j > i + 1) {
              start = i + 1;
              end = j;
            }
            break;
          }
        }
        break;
      }
    }
    return crc16(k, start, end) & (SLOTS - 1);
  }

  /** A tag that hashes to {@code slot}: {@code "{" + tagFor(s) + "}"} puts a key in slot s. */
  static String tagFor(int slot) {
    String[] t = tags;
    if (t == null) {
      synchronized (HashSlots.class) {
        t = tags;
        if (t == null) {
          t = new String[SLOTS];
          int filled = 0;
          for (int n = 0; filled < SLOTS; n++) {
            String candidate = Integer.toString(n, 36);
            byte[] b = candidate.getBytes(UTF_8);
            int s = crc16(b, 0, b.length) & (SLOTS - 1);
            if (t[s] == null) {
              t[s] = candidate;
              filled++;
            }
          }
          tags = t;
        }
      }
    }
    return t[slot];
  }

  private static int crc16(byte[] bytes, int from, int to) {
    int crc = 0;
    for (int i = from; i < to; i++) {
      crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 8) ^ bytes[i]) & 0xFF]) & 0xFFFF;
    }
    return crc;
  }
}
