#!/bin/sh
# After installing rotagent (deb postinst, rpm %post): the default configuration goes to
# /etc/rotagent/agent.yaml only when there is none, so an operator's configuration is never
# overwritten; the state directory is created private.
set -e
if [ ! -e /etc/rotagent/agent.yaml ]; then
  install -d -m 0755 /etc/rotagent
  install -m 0644 /usr/share/rotagent/agent.yaml /etc/rotagent/agent.yaml
fi
install -d -m 0700 /var/lib/rotagent
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload || true
fi
exit 0
