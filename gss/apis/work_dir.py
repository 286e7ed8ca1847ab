"""One training per work dir.

Two trainings writing into one work dir interleave their logs and replace
each other's ``iter_N.pth`` and ``latest.pth``. :func:`lock_work_dir`
takes an exclusive POSIX lock on ``<work_dir>/.gss-train.lock`` for the
life of the process: the kernel drops it when the process ends, however it
ends, so the lock of a killed run never blocks the next one (it is taken
over), and POSIX locks hold across NFS mounts. Once the lock is held, the
partial checkpoint files a killed run may have left
(``iter_N.pth.<pid>.tmp``, see :func:`gss.utils.checkpoint.atomic_path`)
are removed.
"""
import fcntl
import glob
import os
import os.path as osp
import socket
import time

#: Name of the lock file inside a work dir.
LOCK_NAME = '.gss-train.lock'

#: Work dirs this process holds, by real path: the open lock files (a
#: POSIX lock lasts as long as its file stays open).
_HELD = {}


class WorkDirBusyError(RuntimeError):
    """Another process trains into the work dir."""


def lock_work_dir(work_dir):
    """Hold ``work_dir`` for this process's training; idempotent.

    Args:
        work_dir (str): An existing directory.

    Returns:
        list[str]: Partial checkpoint files of earlier, killed runs that
        were removed (empty when this process already held the dir).

    Raises:
        WorkDirBusyError: Another live process holds it; the message names
            it.
    """
    key = osp.realpath(work_dir)
    if key in _HELD:
        return []
    path = osp.join(key, LOCK_NAME)
    lock_file = open(path, 'a+')
    try:
        fcntl.lockf(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock_file.seek(0)
        owner = lock_file.read().strip() or 'another process'
        lock_file.close()
        raise WorkDirBusyError(
            f'work dir {work_dir} is in use by {owner}: two trainings in one '
            'work dir overwrite each other\'s checkpoints and logs. Give this '
            'one another --work-dir, or wait for (or stop) the other') \
            from None
    lock_file.seek(0)
    lock_file.truncate()
    lock_file.write(f'pid {os.getpid()} on {socket.gethostname()} since '
                    f'{time.strftime("%Y-%m-%d %H:%M:%S")}\n')
    lock_file.flush()
    _HELD[key] = lock_file
    stale = sorted(glob.glob(osp.join(key, '*.pth.*.tmp')))
    for part in stale:
        os.remove(part)
    return stale


def unlock_work_dir(work_dir):
    """Let other processes train into ``work_dir`` again (a no-op unless
    this process holds it)."""
    lock_file = _HELD.pop(osp.realpath(work_dir), None)
    if lock_file is not None:
        lock_file.close()  # drops the lock


def holds_work_dir(work_dir):
    """Whether this process holds ``work_dir``."""
    return osp.realpath(work_dir) in _HELD
