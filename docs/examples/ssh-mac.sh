#!/bin/sh
# ssh-mac.sh: record, and optionally enforce, the MAC address of every ssh login.
#
# In /etc/ssh/sshd_config (for everyone, or inside a "Match" block):
#   ForceCommand /usr/local/lib/trackpeer/ssh-mac.sh
#
# sshd runs the script instead of the user's shell or command, with SSH_CONNECTION
# ("client_ip client_port server_ip server_port") set. The script asks the trackpeer agent
# which LAN computer opened the connection and logs one line to syslog (authpriv.notice):
#   trackpeer-ssh: user=alice from=203.0.113.1:50022 mac=02:00:5e:00:01:01 status=0
# With ENFORCE=1 the login proceeds only when trackpeer --check exits 0; with ENFORCE=0 it
# always proceeds and the line is the record.
#
# Edit these three lines:
ENFORCE=1
ALLOW_LIST=/etc/trackpeer/allow.list
TRACKPEER=trackpeer
set -u

if [ "$ENFORCE" = 1 ]; then
  mac=$("$TRACKPEER" --check --allow-list "$ALLOW_LIST" --from-env 2>/dev/null </dev/null)
else
  mac=$("$TRACKPEER" --from-env 2>/dev/null </dev/null)
fi
status=$?
# The first field of SSH_CONNECTION and the second: the client's address and port.
from=$(echo "${SSH_CONNECTION:-- -}" | awk '{ print $1 ":" $2 }')
logger -p authpriv.notice -t trackpeer-ssh \
  "user=${USER:-?} from=$from mac=${mac:--} status=$status"

if [ "$ENFORCE" = 1 ] && [ "$status" -ne 0 ]; then
  echo "This computer is not allowed to log in here (trackpeer status $status)." >&2
  exit 1
fi
export TRACKPEER_MAC="$mac"
if [ -n "${SSH_ORIGINAL_COMMAND:-}" ]; then
  exec "${SHELL:-/bin/sh}" -c "$SSH_ORIGINAL_COMMAND"
fi
exec "${SHELL:-/bin/sh}" -l
