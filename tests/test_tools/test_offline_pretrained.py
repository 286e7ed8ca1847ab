"""Offline first run: a pretrained backbone that is neither cached nor
downloadable is one clear message (gss.utils.downloads). Downloads are
made to fail by a monkeypatch; nothing touches the network."""
import os.path as osp
import subprocess
import sys
import textwrap
from urllib.error import URLError

import pytest
import torch
from mmcv.runner import CheckpointLoader

from gss.utils import WeightsDownloadError
from tests.conftest import ROOT, load_tool

CFG = osp.join(ROOT, 'tests', 'configs', 'tiny_fcn.py')
R18 = 'open-mmlab://resnet18_v1c'
R18_FILE = 'resnet18_v1c-b5776b93.pth'
R18_URL = f'https://download.openmmlab.com/pretrain/third_party/{R18_FILE}'


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """An empty torch hub dir and a download that fails like one without
    network. Returns the list of URLs that were requested."""
    hub = tmp_path / 'hub'
    monkeypatch.setattr(torch.hub, '_hub_dir', str(hub))
    requested = []

    def no_network(url, *args, **kwargs):
        requested.append(url)
        raise URLError('[Errno -3] Temporary failure in name resolution')

    monkeypatch.setattr(torch.hub, 'download_url_to_file', no_network)
    return hub, requested


def check_message(message, hub):
    assert R18_URL in message
    assert 'Temporary failure in name resolution' in message
    assert osp.join(str(hub), 'checkpoints', R18_FILE) in message
    assert f'model.pretrained=/path/to/{R18_FILE}' in message
    assert '--cfg-options model.pretrained=None' in message


def test_alias_download_failure_is_one_clear_error(offline):
    hub, requested = offline
    with pytest.raises(WeightsDownloadError) as err:
        CheckpointLoader.load_checkpoint(R18)
    assert requested == [R18_URL]
    check_message(str(err.value), hub)
    assert err.value.__cause__ is None and err.value.__suppress_context__


def test_train_tool_stops_before_training(offline, street_data, tmp_path):
    hub, requested = offline
    with pytest.raises(WeightsDownloadError) as err:
        load_tool('train').main([
            CFG, '--work-dir', str(tmp_path / 'work'), '--cfg-options',
            f'model.pretrained={R18}',
            *[f'data.{s}.data_root={street_data}' for s in ('train', 'val')]
        ])
    check_message(str(err.value), hub)
    assert not list((tmp_path / 'work').glob('*.pth'))


def test_train_command_prints_only_the_message(tmp_path, street_data):
    """``python tools/train.py`` ends with the message and exit code 1, not
    a traceback (the download fails in-process, as in the fixture)."""
    script = textwrap.dedent(f"""
        import runpy, sys
        from urllib.error import URLError
        import torch.hub

        def no_network(url, *args, **kwargs):
            raise URLError('offline')

        torch.hub.download_url_to_file = no_network
        torch.hub.set_dir({str(tmp_path / 'hub')!r})
        # as `python tools/train.py` puts tools/ first (for tools/_cli.py)
        sys.path.insert(0, {osp.join(ROOT, 'tools')!r})
        sys.argv = [{osp.join(ROOT, 'tools', 'train.py')!r}, {CFG!r},
                    '--work-dir', {str(tmp_path / 'work')!r},
                    '--cfg-options', 'model.pretrained={R18}',
                    'data.train.data_root={street_data}']
        runpy.run_path(sys.argv[0], run_name='__main__')
    """)
    proc = subprocess.run([sys.executable, '-c', script], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    assert 'Traceback' not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('error: cannot download the pretrained weights '
                           f'{R18_URL} (offline)')
