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
# The audit trail under journald: a client the shipped authorization does not list (the
# bootstrap admin identity) is denied, and the record reaches the journal with its fields and the
# audit file, private.
mkdir -p /tmp/rotctl-check
cat >/tmp/rotctl-check/inventory.yaml <<INVENTORY
fabric: check
client: {cert: /var/lib/rotagent/bootstrap/admin-cert.pem, key: /var/lib/rotagent/bootstrap/admin-key.pem}
trust_bundle: /var/lib/rotagent/bootstrap/ca-cert.pem
state_dir: /tmp/rotctl-check/state
devices: [{name: self, address: "127.0.0.1:9339"}]
INVENTORY
rotctl --inventory /tmp/rotctl-check/inventory.yaml device show self
journalctl --sync
audit_json=$(journalctl -o json --no-pager ROTAGENT_AUDIT_EVENT=denied | tail -1)
field() { echo "$audit_json" | jq -r ".$1"; }
fact audit_event "$(field ROTAGENT_AUDIT_EVENT)"
fact audit_client "$(field ROTAGENT_AUDIT_CLIENT)"
fact audit_rpc "$(field ROTAGENT_AUDIT_RPC)"
fact audit_code "$(field ROTAGENT_AUDIT_CODE)"
fact audit_message_id "$(field MESSAGE_ID)"
fact audit_unit "$(field _SYSTEMD_UNIT)"
fact audit_file_mode "$(stat -c %a /var/log/rotagent/audit.log)"
fact audit_file_denied "$(grep -c '"event":"denied"' /var/log/rotagent/audit.log)"
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
