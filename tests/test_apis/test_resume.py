"""Exact resume with shuffling, random augmentation and dropout: a run
interrupted at iteration k and resumed ends bit-identical to an
uninterrupted one (gss.apis.SafeIterBasedRunner)."""
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch

from gss.apis.runner import (SeededEpochSampler, SeededSamples,
                             get_rng_state, set_rng_state)
from gss.utils.checkpoint import safe_load
from tests.conftest import ROOT, data_options, load_tool

# tiny_fcn keeps the synthetic base pipeline (random rescale, crop, flip,
# photometric distortion), shuffles and has dropout: 8 images in batches of
# 2 make 4 iterations an epoch, so 6 iterations cross an epoch boundary.
CFG = osp.join(ROOT, 'tests', 'configs', 'tiny_fcn.py')
DIST_CFG = osp.join(ROOT, 'tests', 'configs', 'tiny_fcn_dist_random.py')


def options(street_data, *extra):
    return [
        '--seed', '0', '--cfg-options', 'runner.max_iters=6', *extra,
        *data_options(street_data)
    ]


def assert_same_training_state(a, b):
    """Bit-identical weights and optimizer state of two checkpoints."""
    assert a['meta']['iter'] == b['meta']['iter']
    assert a['state_dict'].keys() == b['state_dict'].keys()
    for key, value in a['state_dict'].items():
        assert torch.equal(b['state_dict'][key], value), key
    state_a, state_b = a['optimizer']['state'], b['optimizer']['state']
    assert state_a.keys() == state_b.keys()
    for idx in state_a:
        for name in ('exp_avg', 'exp_avg_sq'):
            assert torch.equal(state_b[idx][name], state_a[idx][name])
    assert torch.equal(a['meta']['resume_state']['rng']['torch'],
                       b['meta']['resume_state']['rng']['torch'])


@pytest.mark.parametrize(
    'workers', [0, pytest.param(2, marks=pytest.mark.slow)])
def test_resume_with_random_data_is_bit_identical(street_data, tmp_path,
                                                  workers):
    full, part = str(tmp_path / 'full'), str(tmp_path / 'part')
    train = load_tool('train')
    opts = options(street_data, f'data.workers_per_gpu={workers}')
    train.main([CFG, '--work-dir', full, *opts])
    # Interrupted after iteration 2, in the middle of the first epoch.
    train.main([
        CFG, '--work-dir', part, '--resume-from',
        osp.join(full, 'iter_2.pth'), *opts
    ])
    assert not osp.exists(osp.join(part, 'iter_2.pth'))
    for name in ('iter_4.pth', 'iter_6.pth'):
        a = safe_load(osp.join(full, name))
        b = safe_load(osp.join(part, name))
        assert_same_training_state(a, b)
    # Iterations 5-6 form the second epoch: mmcv's runner starts counting
    # epochs at 0 again after a resume.
    assert safe_load(osp.join(part, 'iter_6.pth'))['meta']['epoch'] == 2
    # The RNG states are plain tensors, lists and numbers: a weights-only
    # torch.load needs no allow-list for them.
    state = torch.load(osp.join(part, 'iter_6.pth'),
                       weights_only=True)['meta']['resume_state']
    assert state['seed'] == 0
    assert set(state['rng']) >= {'python', 'numpy', 'torch'}


def test_rng_state_round_trip():
    state = get_rng_state()
    expected = (np.random.rand(), torch.rand(1), __import__('random').random())
    np.random.seed(123)
    torch.manual_seed(123)
    set_rng_state(state)
    assert np.random.rand() == expected[0]
    assert torch.equal(torch.rand(1), expected[1])
    assert __import__('random').random() == expected[2]


def test_epoch_sampler_skips_and_seeds_by_sample():
    base = torch.utils.data.RandomSampler(range(10))
    full = SeededEpochSampler(base, seed=3)
    epochs = [list(full), list(full)]
    assert sorted(i for i, _ in epochs[0]) == list(range(10))
    assert epochs[0] != epochs[1]  # reshuffled
    resumed = SeededEpochSampler(
        torch.utils.data.RandomSampler(range(10)), seed=3, epoch=0, skip=4)
    assert list(resumed) == epochs[0][4:]
    assert list(resumed) == epochs[1]  # the next epoch is whole again


def test_seeded_samples_keep_the_callers_rng():

    class Noisy(torch.utils.data.Dataset):

        def __len__(self):
            return 4

        def __getitem__(self, index):
            return np.random.rand() + torch.rand(1).item()

    fetch = SeededSamples(Noisy())
    np.random.seed(0)
    torch.manual_seed(0)
    before = get_rng_state()
    first = fetch([(1, 7), (2, 8)])
    assert torch.equal(get_rng_state()['torch'], before['torch'])
    assert np.array_equal(get_rng_state()['numpy'][0], before['numpy'][0])
    assert fetch([(1, 7), (2, 8)]) == first  # depends on the seed only
    assert first[0] != first[1]


@pytest.mark.slow
def test_resume_under_two_process_gloo_is_bit_identical(street_data,
                                                        tmp_path):
    env = dict(os.environ, PORT='29575', PYTHON=sys.executable,
               CUDA_VISIBLE_DEVICES='')

    def dist_train(work_dir, *extra):
        proc = subprocess.run([
            'bash',
            osp.join(ROOT, 'tools', 'dist_train.sh'), DIST_CFG, '2',
            '--work-dir', work_dir, *extra, *options(street_data)
        ], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    full, part = str(tmp_path / 'full'), str(tmp_path / 'part')
    dist_train(full)
    dist_train(part, '--resume-from', osp.join(full, 'iter_2.pth'))
    for name in ('iter_4.pth', 'iter_6.pth'):
        assert_same_training_state(safe_load(osp.join(full, name)),
                                   safe_load(osp.join(part, name)))
    # The two ranks saw different shuffled images yet ended equal, in both
    # runs.
    for work_dir in (full, part):
        ranks = [torch.load(osp.join(work_dir, f'params_rank{r}.pth'))
                 for r in range(2)]
        for name, param in ranks[0]['params'].items():
            assert torch.equal(ranks[1]['params'][name], param), name
