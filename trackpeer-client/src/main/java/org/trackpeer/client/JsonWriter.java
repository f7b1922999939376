package org.trackpeer.client;

/**
 * Writes one compact JSON document, enough for the client's output: objects, arrays, strings,
 * integers, booleans and null. Callers nest calls correctly; commas are placed here.
 */
final class JsonWriter {
  private final StringBuilder out = new StringBuilder(256);
  private boolean needComma;

  JsonWriter beginObject() {
    separate();
    out.append('{');
    needComma = false;
    return this;
  }

  JsonWriter endObject() {
    out.append('}');
    needComma = true;
    return this;
  }

  JsonWriter beginArray() {
    separate();
    out.append('[');
    needComma = false;
    return this;
  }

  JsonWriter endArray() {
    out.append(']');
    needComma = true;
    return this;
  }

  /** Writes a member name; the next call writes its value. */
  JsonWriter name(String name) {
    separate();
    quote(name);
    out.append(':');
    needComma = false;
    return this;
  }

  JsonWriter value(String s) {
    separate();
    if (s == null) {
      out.append("null");
    } else {
      quote(s);
    }
    needComma = true;
    return this;
  }

  JsonWriter value(long v) {
    separate();
    out.append(v);
    needComma = true;
    return this;
  }

  JsonWriter value(boolean v) {
    separate();
    out.append(v);
    needComma = true;
    return this;
  }

  JsonWriter nullValue() {
    return value((String) null);
  }

  @Override
  public String toString() {
    return out.toString();
  }

  private void separate() {
    if (needComma) {
      out.append(',');
      needComma = false;
    }
  }

  private void quote(String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20 || c == 0x7F || c == '\u2028' || c == '\u2029') {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
