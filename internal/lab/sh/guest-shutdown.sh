#!/bin/sh
# /sbin/shutdown in virtwire's lab guest, for qemu-ga's guest-shutdown, which
# runs "shutdown -P|-H|-r +0 MESSAGE". There is no init system to ask, so it
# acts at once.
sync
case "$1" in
-r) exec reboot -f ;;
-H) exec halt -f ;;
*) exec poweroff -f ;;
esac
