#!/bin/sh
# trackpeer-banned.sh: record which LAN computer (MAC address) was behind an address that
# fail2ban bans. fail2ban hands its actions the address only, not the source port, so the
# port of the last failure is taken from the service's log line ("from IP port N"). Without
# one, a wildcard query (-time 0) lists every computer behind that router that reached the
# service recently; the agent must allow wildcards (wildcard = on) for that.
#
#   trackpeer-banned.sh IP SERVICE_PORT [SERVER_ADDRESS]
#
# Environment: TRACKPEER_AUTHLOG (default /var/log/auth.log), TRACKPEER (the client,
# default /usr/bin/trackpeer), TRACKPEER_SERVER (this server's address as the client saw it;
# default the source address of the route back to IP), TRACKPEER_AGENT (default: the client's
# own choice: /etc/trackpeer.conf, else IP port 7709).
set -u
ip=${1:?usage: trackpeer-banned.sh IP SERVICE_PORT [SERVER_ADDRESS]}
service_port=${2:?usage: trackpeer-banned.sh IP SERVICE_PORT [SERVER_ADDRESS]}
server=${3:-${TRACKPEER_SERVER:-}}
authlog=${TRACKPEER_AUTHLOG:-/var/log/auth.log}
trackpeer=${TRACKPEER:-/usr/bin/trackpeer}

if [ -z "$server" ]; then
  server=$(ip route get "$ip" 2>/dev/null | sed -n 's/.* src \([^ ]*\).*/\1/p')
fi
set -- -dst "$server:$service_port"
if [ -n "${TRACKPEER_AGENT:-}" ]; then
  set -- "$@" -a "$TRACKPEER_AGENT"
fi

line=$(grep -F "from $ip port " "$authlog" 2>/dev/null | tail -n 1)
port=$(printf '%s\n' "$line" | sed -n 's/.* from [^ ]* port \([0-9][0-9]*\).*/\1/p')
when=
if [ -n "$port" ]; then
  # RFC 3339 stamps (rsyslog on Debian 12) or the traditional "Mmm dd hh:mm:ss"
  when=$(date -d "${line%% *}" +%s 2>/dev/null) \
    || when=$(date -d "$(printf '%s' "$line" | cut -c1-15)" +%s 2>/dev/null) \
    || when=
fi

if [ -n "$port" ] && [ -n "$when" ]; then
  macs=$("$trackpeer" -s "$ip:$port" -time "$when" --tolerance 30 "$@" 2>/dev/null)
  status=$?
  how="port=$port time=$when"
else
  macs=$("$trackpeer" -s "$ip:0" -time 0 "$@" 2>/dev/null)
  status=$?
  how="wildcard"
fi
macs=$(printf '%s\n' "$macs" | head -n 1)
msg="banned=$ip $how mac=${macs:--} status=$status"
logger -t trackpeer-fail2ban -p auth.notice -- "$msg" 2>/dev/null || true
echo "$msg"
exit 0
