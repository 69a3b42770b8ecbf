#!/bin/sh
# The workload of vfs_file_values.stp, on the ext2 file system at /tmp/vfsm (on
# /dev/ram0): dd reads dir/data (1000 bytes) with 4096-byte reads, dd writes 10
# bytes read from a pipe (its inode number kept in /tmp/vfs_pipe_ino) to dir/out, python3 reads dir/data with readv (100 + 300 bytes) and
# writes dir/out2 with writev (3 + 5 bytes).
dd if=/tmp/vfsm/dir/data of=/dev/null bs=4096 status=none
printf 0123456789 | { stat -L -c %i /proc/self/fd/0 > /tmp/vfs_pipe_ino; dd of=/tmp/vfsm/dir/out bs=64 status=none; }
/usr/bin/python3 -c '
import os
f = os.open("/tmp/vfsm/dir/data", os.O_RDONLY)
os.readv(f, [bytearray(100), bytearray(300)])
g = os.open("/tmp/vfsm/dir/out2", os.O_WRONLY | os.O_CREAT, 0o644)
os.writev(g, [b"abc", b"defgh"])
'
