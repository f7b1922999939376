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
# Options (for the ForceCommand line; they override the three lines below):
#   -n          record only (ENFORCE=0)
#   -l FILE     the allow list
#   -t PROGRAM  the trackpeer client
#   -u SOCKET   the syslog socket for logger (default: logger's own, /dev/log)
# The environment is not consulted on purpose: with PermitUserEnvironment or AcceptEnv a user
# could otherwise switch enforcement off.
#
# Edit these three lines, or use the options:
ENFORCE=1
ALLOW_LIST=/etc/trackpeer/allow.list
TRACKPEER=trackpeer
log_socket=
set -u
while getopts nl:t:u: opt; do
  case $opt in
    n) ENFORCE=0 ;;
    l) ALLOW_LIST=$OPTARG ;;
    t) TRACKPEER=$OPTARG ;;
    u) log_socket=$OPTARG ;;
    *) echo "usage: ssh-mac.sh [-n] [-l ALLOW_LIST] [-t TRACKPEER] [-u SOCKET]" >&2; exit 64 ;;
  esac
done
shift $((OPTIND - 1))

if [ "$ENFORCE" = 1 ]; then
  mac=$("$TRACKPEER" --check --allow-list "$ALLOW_LIST" --from-env 2>/dev/null </dev/null)
else
  mac=$("$TRACKPEER" --from-env 2>/dev/null </dev/null)
fi
status=$?
# several lines when the answer is ambiguous: one syslog line, MACs joined by commas
mac=$(printf '%s\n' "$mac" | paste -s -d , -)
# The first field of SSH_CONNECTION and the second: the client's address and port.
from=$(echo "${SSH_CONNECTION:-- -}" | awk '{ print $1 ":" $2 }')
msg="user=${USER:-?} from=$from mac=${mac:--} status=$status"
if [ -n "$log_socket" ]; then
  logger -u "$log_socket" -p authpriv.notice -t trackpeer-ssh -- "$msg"
else
  logger -p authpriv.notice -t trackpeer-ssh -- "$msg"
fi

if [ "$ENFORCE" = 1 ] && [ "$status" -ne 0 ]; then
  echo "This computer is not allowed to log in here (trackpeer status $status)." >&2
  exit 1
fi
export TRACKPEER_MAC="$mac"
if [ -n "${SSH_ORIGINAL_COMMAND:-}" ]; then
  exec "${SHELL:-/bin/sh}" -c "$SSH_ORIGINAL_COMMAND"
fi
exec "${SHELL:-/bin/sh}" -l
