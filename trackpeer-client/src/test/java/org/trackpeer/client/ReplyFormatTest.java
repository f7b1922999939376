package org.trackpeer.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.trackpeer.net.Endpoint;

final class ReplyFormatTest {
  @Test
  void isoNanos_wholeSecondAndBeforeEpoch_printsNineDigits() {
    assertEquals("2023-11-14T22:13:20.000000000Z",
        ReplyFormat.isoNanos(1_700_000_000_000_000_000L));
    assertEquals("1969-12-31T23:59:59.999999999Z", ReplyFormat.isoNanos(-1));
  }

  @Test
  void addressText_ipv6_usesRfc5952ShortForm() {
    assertEquals("2001:db8::1", AddressText.of(Endpoint.parseAddress("2001:db8:0:0:0:0:0:1")));
    assertEquals("2001:db8::1:0:0:1",
        AddressText.of(Endpoint.parseAddress("2001:db8:0:0:1:0:0:1")));
    assertEquals("2001:0:0:1::1", AddressText.of(Endpoint.parseAddress("2001:0:0:1:0:0:0:1")));
    assertEquals("2001:db8:0:1:1:1:1:1",
        AddressText.of(Endpoint.parseAddress("2001:db8:0:1:1:1:1:1")));
    assertEquals("::", AddressText.of(Endpoint.parseAddress("::")));
    assertEquals("::1", AddressText.of(Endpoint.parseAddress("::1")));
    assertEquals("fe80::", AddressText.of(Endpoint.parseAddress("fe80::")));
    assertEquals("192.0.2.1", AddressText.of(Endpoint.parseAddress("192.0.2.1")));
    assertEquals("[2001:db8::7]:443",
        AddressText.of(Endpoint.parseAddress("2001:db8::7"), 443));
  }

  @Test
  void jsonWriter_controlAndQuoteCharacters_escaped() {
    String json = new JsonWriter().beginObject()
        .name("a\"b").value("x\\y\n\t\u0001\u2028z")
        .name("n").nullValue()
        .name("l").beginArray().value(1).value(true).beginObject().endObject().endArray()
        .endObject().toString();
    assertEquals("{\"a\\\"b\":\"x\\\\y\\n\\t\\u0001\\u2028z\",\"n\":null,\"l\":[1,true,{}]}",
        json);
  }
}
