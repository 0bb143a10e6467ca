#!/bin/sh
# Runs inside a systemd-nspawn container booted from an overlay of the host's root: installs the
# .deb given as $1 and drives rotagentd.service through start, reload and stop under the real
# systemd, writing `key=value` facts for the test to check to /check/out/facts.
out=/check/out
exec >"$out/log" 2>&1
set -x
fact() { echo "$1=$2" >>"$out/facts"; }
show() { systemctl show -P "$1" rotagentd.service; }

dpkg -i "/check/in/$1" && fact installed yes
systemctl daemon-reload
systemctl start rotagentd.service
fact started_active "$(show ActiveState)/$(show SubState)"
fact status_text "$(show StatusText)"
fact nofile "$(show LimitNOFILE)"
# The first WATCHDOG=1 follows the first self-probe of the listener, right after READY.
for _ in $(seq 100); do [ "$(show WatchdogTimestampMonotonic)" != 0 ] && break; sleep 0.1; done
fact watchdog_pinged "$([ "$(show WatchdogTimestampMonotonic)" != 0 ] && echo yes || echo no)"
pid=$(show MainPID)
systemctl reload rotagentd.service
fact reloaded_same_pid "$([ "$(show MainPID)" = "$pid" ] && echo yes || echo no)"
fact reloaded_active "$(show ActiveState)"
fact security "$(systemd-analyze security rotagentd.service --no-pager | tail -1)"
systemctl stop rotagentd.service
fact stopped "$(show ActiveState)/$(show Result)"
journalctl -u rotagentd.service --no-pager
fact done yes
# No D-Bus here for `systemctl poweroff`; the target is reached over systemd's private socket.
systemctl --no-block start poweroff.target
