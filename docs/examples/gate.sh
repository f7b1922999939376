#!/bin/sh
# gate.sh: start a per-connection service only for LAN computers whose MAC is allowed.
#
#   gate.sh SERVICE [ARGS...]
#
# Run by a launcher that starts one process per accepted TCP connection and says who
# connected in the environment: socat (TCP-LISTEN with fork and EXEC), tcpserver, or
# systemd socket activation with Accept=yes. The script asks the trackpeer agent which LAN
# computer opened the connection, and execs SERVICE only when trackpeer --check exits 0
# (found, and the MAC is on the allow list). On any other outcome the connection is closed
# without a byte; trackpeer's one-line reason ("trackpeer: deny ...") goes to standard error,
# which socat and systemd log.
#
# Settings (environment):
#   TRACKPEER             the trackpeer command (default: trackpeer)
#   TRACKPEER_ALLOW_LIST  the allow list (default: /etc/trackpeer/allow.list)
#   TRACKPEER_OPTS        more options, split at spaces: e.g. "-a 203.0.113.1 --timeout 500",
#                         and under systemd "-dst ADDR:PORT" (systemd does not tell the local
#                         address)
#
# The service finds the MAC in TRACKPEER_MAC.
set -u
if [ $# -eq 0 ]; then
  echo "usage: gate.sh SERVICE [ARGS...]" >&2
  exit 64
fi
# shellcheck disable=SC2086 # TRACKPEER_OPTS is split at spaces on purpose
if mac=$("${TRACKPEER:-trackpeer}" --check \
    --allow-list "${TRACKPEER_ALLOW_LIST:-/etc/trackpeer/allow.list}" \
    --from-env ${TRACKPEER_OPTS:-} </dev/null); then
  TRACKPEER_MAC=$mac
  export TRACKPEER_MAC
  exec "$@"
fi
exit 1
