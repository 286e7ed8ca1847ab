"""One training per work dir (gss.apis.work_dir): a second training into a
busy work dir is refused, the lock of a killed run is taken over, and the
partial checkpoint files a killed run left are removed."""
import os
import os.path as osp
import subprocess
import sys
import textwrap

import pytest

from gss.apis import (WorkDirBusyError, holds_work_dir, lock_work_dir,
                      unlock_work_dir)
from gss.apis.work_dir import LOCK_NAME
from tests.conftest import ROOT, data_options, load_tool

CFG = osp.join(ROOT, 'tests', 'configs', 'tiny_fcn.py')

#: Holds a work dir as a training would, until its stdin closes.
HOLDER = textwrap.dedent("""
    import sys
    from gss.apis.work_dir import lock_work_dir
    lock_work_dir(sys.argv[1])
    print('locked', flush=True)
    sys.stdin.read()
""")


def hold(work_dir):
    """A live process holding ``work_dir``."""
    proc = subprocess.Popen(
        [sys.executable, '-c', HOLDER, str(work_dir)], cwd=ROOT,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == 'locked'
    return proc


def test_second_training_into_a_busy_work_dir_is_refused(street_data,
                                                         tmp_path):
    """At 187fe31 both trainings ran, interleaving their logs, and one
    run's iter_N.pth replaced the other's."""
    work_dir = tmp_path / 'work'
    work_dir.mkdir()
    holder = hold(work_dir)
    try:
        with pytest.raises(WorkDirBusyError) as err:
            load_tool('train').main([
                CFG, '--work-dir', str(work_dir), '--cfg-options',
                'runner.max_iters=2', *data_options(street_data)
            ])
        assert f'pid {holder.pid} on ' in str(err.value)
        assert 'another --work-dir' in str(err.value)
        assert sorted(os.listdir(work_dir)) == [LOCK_NAME]  # nothing written
    finally:
        holder.stdin.close()
        holder.wait()


def test_lock_of_a_killed_run_is_taken_over_and_its_parts_removed(tmp_path):
    """At 187fe31 iter_N.pth.<pid>.tmp of a killed save stayed forever."""
    holder = hold(tmp_path)
    holder.kill()
    holder.wait()
    parts = [tmp_path / 'iter_4.pth.4242.tmp',
             tmp_path / 'latest.pth.4242.tmp']
    for part in parts:
        part.write_bytes(b'partial')
    kept = tmp_path / 'iter_2.pth'
    kept.write_bytes(b'complete')
    removed = lock_work_dir(str(tmp_path))
    try:
        assert removed == sorted(str(p) for p in parts)
        assert not any(p.exists() for p in parts) and kept.exists()
        assert holds_work_dir(str(tmp_path))
        assert lock_work_dir(str(tmp_path)) == []  # idempotent
        assert f'pid {os.getpid()}' in (tmp_path / LOCK_NAME).read_text()
    finally:
        unlock_work_dir(str(tmp_path))
    assert not holds_work_dir(str(tmp_path))
    other = hold(tmp_path)  # free again for another process
    other.stdin.close()
    other.wait()
