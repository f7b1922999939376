package org.trackpeer.daemon.neigh;

/**
 * Counters of the neighbour watcher.
 *
 * @param polls table reads done
 * @param pollFailures polls abandoned because a table could not be read (no events then)
 * @param badLines table lines that could not be parsed
 * @param skippedLines table lines that name no host (incomplete, failed, multicast, ...)
 * @param knownHosts hosts currently remembered
 * @param linesLogged event lines handed to syslog
 * @param stateWrites successful state file writes
 * @param stateWriteFailures failed state file writes
 */
public record NeighbourStats(
    long polls,
    long pollFailures,
    long badLines,
    long skippedLines,
    int knownHosts,
    long linesLogged,
    long stateWrites,
    long stateWriteFailures) {}
