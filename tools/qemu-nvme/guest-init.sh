#!/bin/sh
# /init of the NVMe test guest (busybox sh, PID 1). Loads the modules, waits for the NVMe
# namespace, mounts the host's / read-only at /host (virtio-9p tag hostroot) with the run
# directory's share (tag hostshare, read-write) bind-mounted at its host path, then runs
# $RUN/cmd.sh in a chroot of the host root — same node, node_modules and .node addons as the host.
# The command's output goes to $RUN/output.log and its exit code to $RUN/rc; the exit code is also
# printed as "GUEST: exit-code=N" on the serial console. Then it powers the guest off.
# Kernel command line: biopath.share=<host dir shared rw> biopath.run=<run dir> biopath.cwd=<dir>
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
arg() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^$1=//p" | tail -1; }
for m in $(cat /lib/modules/order); do
	n=$(echo "${m%%.ko*}" | tr - _)
	P=$(tr ' ' '\n' < /proc/cmdline | sed -n "s/^$n\.//p" | tr '\n' ' ')
	insmod "/lib/modules/$m" $P 2>/dev/null || echo "GUEST: insmod $m failed"
done
for i in $(seq 1 200); do [ -c /dev/ng0n1 ] && [ -b /dev/nvme0n1 ] && break; sleep 0.05; done
echo "GUEST: nvme devices: $(ls /dev | grep -E '^(nvme|ng)' | tr '\n' ' ')"

SHARE=$(arg biopath.share)
RUN=$(arg biopath.run)
CWD=$(arg biopath.cwd)
O=trans=virtio,version=9p2000.L,msize=512000
rc=125
if mount -t 9p -o $O,ro,cache=loose hostroot /host && mount -t 9p -o $O,cache=none hostshare /mnt; then
	mount -t proc proc /host/proc
	mount -t sysfs sys /host/sys
	mount -t devtmpfs dev /host/dev
	mount -t tmpfs tmp /host/tmp
	# the share may live under a directory the guest just covered (a checkout in /tmp sits under
	# the fresh tmpfs): make its mount point there first
	mkdir -p "/host$SHARE" 2>/dev/null
	mount -o bind /mnt "/host$SHARE" || echo "GUEST: cannot bind the share at $SHARE"
	# no pipes here: the chroot's sh may be dash (no pipefail), and the exit code must survive
	chroot /host /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp CI=true BIOPATH_IN_GUEST=1 \
		TERM=dumb NO_COLOR=1 /bin/sh -c "cd '${CWD:-$SHARE}' && /bin/sh '$RUN/cmd.sh' > '$RUN/output.log' 2>&1"
	rc=$?
	echo "$rc" > "/host$RUN/rc"
	sync
	umount "/host$SHARE" 2>/dev/null
else
	echo "GUEST: cannot mount the 9p shares"
fi
echo "GUEST: exit-code=$rc"
poweroff -f
