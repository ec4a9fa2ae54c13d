#!/bin/sh
# /etc/acpi/PWRF/00000080 in virtwire's lab guest: busybox acpid runs it when
# the ACPI power button is pressed (virsh shutdown --mode acpi).
echo "virtwire-guest: power button, powering off"
sync
exec poweroff -f
