"""Distributed set-up that also works on CPU-only machines (gloo)."""
import os

import torch
import torch.distributed as dist
from mmcv.parallel import MMDistributedDataParallel, scatter_kwargs
from mmcv.runner import init_dist as mmcv_init_dist


def init_dist(launcher, backend='nccl', **kwargs):
    """Initialise the process group for ``launcher``.

    With CUDA this is mmcv's ``init_dist`` (NCCL by default). Without CUDA
    (``tools/dist_train.sh`` on a CPU machine) it uses the gloo backend with
    the rank/world size that torchrun or slurm put in the environment.

    Returns:
        str: The backend in use.
    """
    if torch.cuda.is_available():
        mmcv_init_dist(launcher, backend=backend, **kwargs)
        return backend
    if launcher == 'slurm':
        os.environ.setdefault('RANK', os.environ['SLURM_PROCID'])
        os.environ.setdefault('WORLD_SIZE', os.environ['SLURM_NTASKS'])
        os.environ.setdefault('LOCAL_RANK', os.environ['SLURM_LOCALID'])
        os.environ.setdefault('MASTER_PORT', str(kwargs.get('port', 29500)))
        os.environ.setdefault('MASTER_ADDR', '127.0.0.1')
    dist.init_process_group(backend='gloo')
    return 'gloo'


class CPUDistributedDataParallel(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` for CPU processes (no ``device_ids``).

    mmcv only unwraps ``DataContainer`` inputs when ``device_ids`` is set;
    on CPU we scatter to the pseudo-device ``-1`` (CPU) ourselves so the
    segmentor receives plain tensors and metas.
    """

    def _unwrap(self, inputs, kwargs):
        inputs, kwargs = scatter_kwargs(inputs, kwargs, [-1], dim=self.dim)
        return inputs[0], kwargs[0]

    def train_step(self, *inputs, **kwargs):
        inputs, kwargs = self._unwrap(inputs, kwargs)
        return super().train_step(*inputs, **kwargs)

    def val_step(self, *inputs, **kwargs):
        inputs, kwargs = self._unwrap(inputs, kwargs)
        return super().val_step(*inputs, **kwargs)

    def forward(self, *inputs, **kwargs):
        inputs, kwargs = self._unwrap(inputs, kwargs)
        return super().forward(*inputs, **kwargs)


def build_ddp(model, device='cuda', *args, **kwargs):
    """mmseg's ``build_ddp`` plus the CPU (gloo) case it asserts against."""
    if device == 'cpu':
        kwargs.pop('device_ids', None)
        return CPUDistributedDataParallel(model, *args, **kwargs)
    from mmseg.utils import build_ddp as mmseg_build_ddp
    return mmseg_build_ddp(model, device, *args, **kwargs)

