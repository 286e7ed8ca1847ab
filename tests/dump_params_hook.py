"""A test-only hook: each rank saves its parameters at the end of training."""
import os.path as osp

import torch
from mmcv.runner import HOOKS, Hook, get_dist_info


@HOOKS.register_module()
class DumpParamsHook(Hook):

    def after_run(self, runner):
        rank, world_size = get_dist_info()
        model = getattr(runner.model, 'module', runner.model)
        params = {k: v.detach().clone() for k, v in model.named_parameters()}
        torch.save(dict(params=params, world_size=world_size),
                   osp.join(runner.work_dir, f'params_rank{rank}.pth'))
