package org.trackpeer.lab;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.trackpeer.client.TrackpeerClient;
import org.trackpeer.net.Endpoint;
import org.trackpeer.proto.QueryReply;
import org.trackpeer.proto.QueryRequest;
import org.trackpeer.proto.ResultCode;

/**
 * Asks an agent many questions from one process, through the Java API, and prints one line per
 * question: {@code PEER EXPECTED_MAC RESULT MACS}. Run inside a namespace by the load scenario,
 * where starting the CLI once per question would take minutes.
 *
 * <p>Arguments: agent address, agent port, question file (lines {@code proto peer dst time
 * expected_mac}).
 */
public final class LoadQueries {
  private LoadQueries() {}

  /** Entry point. */
  public static void main(String[] args) throws Exception {
    TrackpeerClient client =
        new TrackpeerClient(
            new InetSocketAddress(args[0], Integer.parseInt(args[1])), Duration.ofSeconds(2), 2);
    List<String> lines = Files.readAllLines(Path.of(args[2]));
    StringBuilder out = new StringBuilder();
    for (String line : lines) {
      String[] f = line.split(" ");
      QueryRequest q = new QueryRequest(ThreadLocalRandom.current().nextLong(),
          f[0].equals("udp") ? QueryRequest.UDP : QueryRequest.TCP,
          Endpoint.parse(f[1], true), Endpoint.parse(f[2], true), Long.parseLong(f[3]), 0, 0);
      QueryReply r = client.query(q);
      StringBuilder macs = new StringBuilder();
      r.records().forEach(p -> macs.append(p.mac()).append(','));
      out.append(f[1]).append(' ').append(f[4]).append(' ')
          .append(r.result() == ResultCode.FOUND ? "found" : r.result().label()).append(' ')
          .append(macs.length() == 0 ? "-" : macs.substring(0, macs.length() - 1))
          .append(' ').append(r.evidence().label()).append('\n');
    }
    System.out.print(out);
  }
}
