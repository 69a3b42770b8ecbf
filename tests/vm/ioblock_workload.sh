#!/bin/sh
# The workload of ioblock_values.stp: two O_DIRECT transfers on /dev/ram0 (a 4096-byte
# write at byte 12288, an 8192-byte read at byte 8192), then a buffered read of the
# 4096-byte file /tmp/iobm/f (on an ext2 file system of another RAM disk, /dev/ram1)
# whose pages are not cached.
dd if=/dev/zero of=/dev/ram0 bs=4096 seek=3 count=1 oflag=direct status=none
dd if=/dev/ram0 of=/dev/null bs=8192 skip=1 count=1 iflag=direct status=none
dd if=/tmp/iobm/f of=/dev/null bs=4096 status=none
